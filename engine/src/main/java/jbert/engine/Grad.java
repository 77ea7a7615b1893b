package jbert.engine;

/**
 * Whether ops record the autograd graph. Recording is on by default; inference turns it off:
 * <pre>{@code
 * try (Grad.NoGrad ignored = Grad.disabled()) { logits = model.forward(batch); }
 * }</pre>
 * With recording off, an op keeps nothing for backward (no mean/rstd, no softmax output), so memory
 * is only what the forward pass itself needs.
 */
public final class Grad {
    private Grad() {}

    private static final ThreadLocal<int[]> DISABLED = ThreadLocal.withInitial(() -> new int[1]);

    /** True when ops on this thread record the graph. */
    public static boolean enabled() { return DISABLED.get()[0] == 0; }

    /** True when the output of an op with these inputs needs a graph node. */
    public static boolean recording(Tensor... inputs) {
        if (!enabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** Disables recording until closed; nests. */
    public static NoGrad disabled() {
        DISABLED.get()[0]++;
        return new NoGrad();
    }

    public static final class NoGrad implements AutoCloseable {
        private boolean closed;
        @Override public void close() {
            if (!closed) { closed = true; DISABLED.get()[0]--; }
        }
    }
}
