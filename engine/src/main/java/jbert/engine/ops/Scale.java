package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/** y = s * x for a constant s. Backward: dx += s * dy. */
public final class Scale extends Op {
    private final float s;

    private Scale(Tensor x, float s) { super(x); this.s = s; }

    public static Tensor forward(Tensor x, float s) {
        Tensor y = x.emptyLike();                                          // x's shape
        x.backend().scale(s, x.storage(), y.storage(), x.size());
        return Grad.recording(x) ? new Scale(x, s).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0];
        if (x.requiresGrad()) y.backend().axpy(s, y.grad().storage(), x.gradForAccumulation().storage(), x.size());
    }
}
