package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * y = tanh(x), the pooler's activation. Backward: tanh' = 1 - tanh^2, so dx += dy * (1 - y^2), which
 * needs only the output y (kept: it is the node's output tensor).
 */
public final class Tanh extends Op {
    private Tanh(Tensor x) { super(x); }

    public static Tensor forward(Tensor x) {
        Tensor y = x.emptyLike();                                          // x's shape
        x.backend().tanhForward(x.storage(), y.storage(), x.size());
        return Grad.recording(x) ? new Tanh(x).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0];
        if (x.requiresGrad()) y.backend().tanhBackward(y.storage(), y.grad().storage(), x.gradForAccumulation().storage(), x.size());
    }
}
