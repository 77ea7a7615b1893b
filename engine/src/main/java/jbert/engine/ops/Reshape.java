package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

import java.util.Arrays;

/**
 * Same elements, new shape. Row-major storage means no data moves: the output is a view sharing the
 * input's storage. Backward: the gradient is the same numbers in the input's shape, dx += dy.
 */
public final class Reshape extends Op {
    private Reshape(Tensor x) { super(x); }

    public static Tensor forward(Tensor x, int... shape) {
        if (Tensor.numel(shape) != x.size()) {
            throw new IllegalArgumentException("Reshape: cannot view " + x.describe() + " as " + Arrays.toString(shape));
        }
        Tensor y = Tensor.view(x, shape);                                  // shape, x's storage
        return Grad.recording(x) ? new Reshape(x).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0];
        if (!x.requiresGrad()) return;
        x.backend().axpy(1f, y.grad().storage(), x.gradForAccumulation().storage(), x.size());
    }
}
