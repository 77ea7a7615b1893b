package jbert.engine.nn;

import jbert.engine.Tensor;

/**
 * Inverted dropout with probability p, active only in training mode. Each application draws a fresh
 * seed from the model's {@link SeedSequence}, so a run is reproducible from one seed and resumable
 * from the sequence's state.
 */
public final class Dropout extends Module {
    /**
     * One application's dropout: the probability and the seed that, with each element's index, decides
     * which elements drop ({@link jbert.engine.ops.Dropout}).
     */
    public record Mask(float p, long seed) {}

    private final float p;
    private final SeedSequence seeds;

    public Dropout(double p, SeedSequence seeds) {
        this.p = (float) p;
        this.seeds = seeds;
    }

    public Tensor forward(Tensor x) {
        Mask mask = nextMask();
        return mask == null ? x : jbert.engine.ops.Dropout.forward(x, mask.p(), mask.seed());
    }

    /**
     * The mask of this layer's next application, drawing its seed as {@link #forward} does; null when the
     * layer is off (evaluation mode, or p = 0), and then no seed is drawn. For a plan that applies this
     * dropout inside another op (the fast plan's in-place dropout and DropoutMatmul): drawing here, at
     * the point where forward would, keeps the seed sequence, and so every mask, the same in both plans.
     */
    public Mask nextMask() {
        if (!isTraining() || p == 0f) return null;
        return new Mask(p, seeds.next());
    }
}
