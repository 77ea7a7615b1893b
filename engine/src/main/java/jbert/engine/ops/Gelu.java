package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * GELU with the exact error function, HF's {@code "gelu"} (Hendrycks &amp; Gimpel 2016):
 * gelu(x) = x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal CDF.
 *
 * <p>Backward: d/dx [x Phi(x)] = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi) the normal
 * density; so dx += dy * (Phi(x) + x phi(x)). Needs x, which the node keeps (its input).
 */
public final class Gelu extends Op {
    private Gelu(Tensor x) { super(x); }

    public static Tensor forward(Tensor x) {
        Tensor y = x.emptyLike();                                          // x's shape
        x.backend().geluForward(x.storage(), y.storage(), x.size());
        return Grad.recording(x) ? new Gelu(x).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0];
        if (x.requiresGrad()) y.backend().geluBackward(x.storage(), y.grad().storage(), x.gradForAccumulation().storage(), x.size());
    }
}
