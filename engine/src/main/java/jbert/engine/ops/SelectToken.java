package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * One token's row from each sequence: y[b, :] = x[b, index, :]; with index 0 it is the [CLS] row that
 * the pooler reads (HF BertPooler: {@code hidden_states[:, 0]}).
 * Backward: dx[b, index, :] += dy[b, :]; every other row of dx gets nothing from this op.
 */
public final class SelectToken extends Op {
    private final int index;

    private SelectToken(Tensor x, int index) { super(x); this.index = index; }

    /** x [B, T, H] to [B, H]. */
    public static Tensor forward(Tensor x, int index) {
        Shapes.rank("SelectToken", x, 3);
        int B = x.dim(0), T = x.dim(1), H = x.dim(2);
        if (index < 0 || index >= T) throw new IllegalArgumentException("SelectToken: index " + index + " outside " + x.describe());
        Tensor y = Tensor.empty(x.backend(), B, H);                        // [B, H]
        x.backend().selectToken(x.storage(), y.storage(), B, T, H, index);
        return Grad.recording(x) ? new SelectToken(x, index).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0];
        if (x.requiresGrad()) {
            y.backend().selectTokenBackward(y.grad().storage(), x.gradForAccumulation().storage(), x.dim(0), x.dim(1), x.dim(2), index);
        }
    }
}
