package jbert.engine;

/**
 * The shape of a training batch, B sequences of T tokens: the key under which a backend may record a
 * training step and replay it for later steps of the same shape ({@link Backend#trainingStep}).
 */
public record BatchShape(int B, int T) {
    public BatchShape {
        if (B <= 0 || T <= 0) throw new IllegalArgumentException("batch shape B=" + B + " T=" + T + ": both must be positive");
    }

    @Override
    public String toString() { return "B=" + B + " T=" + T; }
}
