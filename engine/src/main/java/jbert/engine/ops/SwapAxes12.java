package jbert.engine.ops;

import jbert.engine.Backend;
import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Storage;
import jbert.engine.Tensor;

/**
 * Swaps the middle axes of a rank-4 tensor: x [A, B, C, D] to y [A, C, B, D] (a copy). Attention
 * uses it to split heads, [B, T, NH, D] to [B, NH, T, D], and to merge them back.
 *
 * <p>Backward: a permutation moves numbers without changing them, so the gradient moves back the same
 * way: dx += swap(dy), with dy [A, C, B, D].
 */
public final class SwapAxes12 extends Op {
    private SwapAxes12(Tensor x) { super(x); }

    public static Tensor forward(Tensor x) {
        Shapes.rank("SwapAxes12", x, 4);
        int A = x.dim(0), B = x.dim(1), C = x.dim(2), D = x.dim(3);
        Tensor y = Tensor.empty(x.backend(), A, C, B, D);                  // [A, C, B, D]
        x.backend().permute0213(x.storage(), y.storage(), A, B, C, D, false);
        return Grad.recording(x) ? new SwapAxes12(x).record(y) : y;
    }

    /**
     * The same permutation, written back over x's own storage through a scratch buffer that is freed
     * at once: the result is a view of x's storage (in the new shape) and x's layout is gone. Only for
     * an x that nothing else reads, e.g. a dense layer's product being split into heads. One extra
     * copy, but no second [A, B, C, D] buffer kept for the rest of the step.
     */
    public static Tensor forwardInPlace(Tensor x) {
        Shapes.rank("SwapAxes12", x, 4);
        int A = x.dim(0), B = x.dim(1), C = x.dim(2), D = x.dim(3);
        Backend be = x.backend();
        Storage scratch = be.allocateUninitialised(x.size());                           // [A, C, B, D]
        be.permute0213(x.storage(), scratch, A, B, C, D, false);
        be.copy(scratch, x.storage(), x.size());
        be.release(scratch);
        Tensor y = Tensor.view(x, A, C, B, D);                             // [A, C, B, D], over x
        return Grad.recording(x) ? new SwapAxes12(x).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0];
        if (!x.requiresGrad()) return;
        int A = y.dim(0), C = y.dim(1), B = y.dim(2), D = y.dim(3);
        y.backend().permute0213(y.grad().storage(), x.gradForAccumulation().storage(), A, C, B, D, true);
    }
}
