package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Broadcast add of a vector over the last dimension: y[..., c] = x[..., c] + b[c].
 * Backward: dx += dy; db[c] += sum over all rows of dy[r, c] (the bias was added to every row).
 */
public final class BiasAdd extends Op {
    private BiasAdd(Tensor x, Tensor b) { super(x, b); }

    public static Tensor forward(Tensor x, Tensor b) {
        Shapes.check(b.rank() == 1 && b.dim(0) == x.dim(-1), "BiasAdd", "bias length differs from the last dimension", x, b);
        Tensor y = x.emptyLike();                                          // [..., H], x's shape
        x.backend().biasForward(x.storage(), b.storage(), y.storage(), Shapes.rows(x), x.dim(-1));
        return Grad.recording(x, b) ? new BiasAdd(x, b).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0], b = inputs[1];
        if (x.requiresGrad()) y.backend().axpy(1f, y.grad().storage(), x.gradForAccumulation().storage(), x.size());
        if (b.requiresGrad()) y.backend().biasBackward(y.grad().storage(), b.gradForAccumulation().storage(), Shapes.rows(x), x.dim(-1));
    }
}
