package jbert.engine.ops;

import jbert.engine.Backend;
import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Affine map over the last dimension, as {@code torch.nn.functional.linear}: y = x W^T + b.
 * x is [..., in] (flattened to N rows), W is [out, in] (HF/PyTorch layout), b is [out] or null.
 *
 * <p>Backward, with dy [N, out]:
 * <ul>
 *   <li>dx = dy W         ([N, out] @ [out, in])</li>
 *   <li>dW = dy^T x       ([out, N] @ [N, in]): each weight collects input times output gradient</li>
 *   <li>db = sum_rows dy</li>
 * </ul>
 */
public final class Linear extends Op {
    private final int rows, in, out;

    private Linear(Tensor x, Tensor w, Tensor b, int rows, int in, int out) {
        super(x, w, b);
        this.rows = rows; this.in = in; this.out = out;
    }

    public static Tensor forward(Tensor x, Tensor w, Tensor b) {
        Shapes.rank("Linear", w, 2);
        int in = w.dim(1), out = w.dim(0);
        Shapes.check(x.dim(-1) == in, "Linear", "input features differ from weight's in-features", x, w);
        if (b != null && (b.rank() != 1 || b.dim(0) != out)) {
            throw new IllegalArgumentException("Linear: bias " + b.describe() + " does not match weight " + w.describe());
        }
        int rows = Shapes.rows(x);
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y = Tensor.empty(x.backend(), shape);                       // [..., out]
        Backend be = x.backend();
        be.matmul(false, true, 1, rows, out, in, 1f, x.storage(), w.storage(), 0f, y.storage());
        if (b != null) be.biasForward(y.storage(), b.storage(), y.storage(), rows, out);
        return Grad.recording(x, w, b) ? new Linear(x, w, b, rows, in, out).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0], w = inputs[1], b = inputs[2];
        Backend be = y.backend();
        if (x.requiresGrad()) {   // dx [N, in] += dy [N, out] @ W [out, in]
            be.matmul(false, false, 1, rows, in, out, 1f, y.grad().storage(), w.storage(), 1f, x.gradForAccumulation().storage());
        }
        if (w.requiresGrad()) {   // dW [out, in] += dy^T [out, N] @ x [N, in]
            be.matmul(true, false, 1, out, in, rows, 1f, y.grad().storage(), x.storage(), 1f, w.gradForAccumulation().storage());
        }
        if (b != null && b.requiresGrad()) {
            be.biasBackward(y.grad().storage(), b.gradForAccumulation().storage(), rows, out);
        }
    }
}
