package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Inverted dropout (Srivastava et al. 2014): y_i = x_i * m_i / (1 - p), m_i ~ Bernoulli(1 - p), so
 * that E[y] = x and evaluation needs no rescaling. Backward: dx_i += dy_i * m_i / (1 - p).
 *
 * <p>The mask is a pure function of (seed, i) ({@link jbert.engine.Rng}): nothing is stored, and
 * backward recomputes it. Callers pass p = 0 or skip the op in evaluation.
 */
public final class Dropout extends Op {
    private final float p;
    /** The seed this application drew; with the element index it regenerates the mask in backward. */
    private final long seed;

    private Dropout(Tensor x, float p, long seed) { super(x); this.p = p; this.seed = seed; }

    public static Tensor forward(Tensor x, float p, long seed) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("Dropout: p = " + p + " is outside [0, 1)");
        if (p == 0f) return x;
        Tensor y = x.emptyLike();                                          // x's shape
        x.backend().dropoutForward(x.storage(), y.storage(), x.size(), p, seed);
        return Grad.recording(x) ? new Dropout(x, p, seed).record(y) : y;
    }

    /**
     * The same dropout written over x's own storage (PyTorch's {@code inplace=True}): the result is a
     * view of x's storage and x's values are gone. Only for an x that nothing else reads, e.g. a dense
     * layer's output (a Linear's backward needs its input, never its output). Saves an [N, H] buffer
     * per use: a step then keeps less and touches less memory. Backward is the same as above.
     */
    public static Tensor forwardInPlace(Tensor x, float p, long seed) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("Dropout: p = " + p + " is outside [0, 1)");
        if (p == 0f) return x;
        x.backend().dropoutForward(x.storage(), x.storage(), x.size(), p, seed);
        Tensor y = Tensor.view(x, x.shape());                              // x's storage, now dropped out
        return Grad.recording(x) ? new Dropout(x, p, seed).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0];
        if (x.requiresGrad()) y.backend().dropoutBackward(y.grad().storage(), x.gradForAccumulation().storage(), x.size(), p, seed);
    }
}
