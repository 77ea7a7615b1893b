package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/** Elementwise sum of two same-shaped tensors: y = a + b. Backward: da += dy, db += dy. */
public final class Add extends Op {
    private Add(Tensor a, Tensor b) { super(a, b); }

    public static Tensor forward(Tensor a, Tensor b) {
        Shapes.same("Add", a, b);
        Tensor y = a.emptyLike();                                          // a's shape
        a.backend().add(a.storage(), b.storage(), y.storage(), a.size());
        return Grad.recording(a, b) ? new Add(a, b).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        for (Tensor in : inputs) {
            if (in.requiresGrad()) y.backend().axpy(1f, y.grad().storage(), in.gradForAccumulation().storage(), in.size());
        }
    }
}
