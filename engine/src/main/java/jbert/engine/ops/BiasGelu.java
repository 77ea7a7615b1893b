package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Fused bias + GELU, the epilogue of BERT's intermediate dense layer: y = gelu(x + b), in one pass
 * over the [N, I] activations instead of two.
 *
 * <p>Backward: with pre = x + b, g = dy * gelu'(pre) (see {@link Gelu}); dx += g; db += sum_rows g.
 */
public final class BiasGelu extends Op {
    /** pre = x + b, kept for backward (gelu' is evaluated there). [N, I] */
    private final Tensor pre;

    private BiasGelu(Tensor x, Tensor b, Tensor pre) { super(x, b); this.pre = pre; }

    public static Tensor forward(Tensor x, Tensor b) {
        Shapes.check(b.rank() == 1 && b.dim(0) == x.dim(-1), "BiasGelu", "bias length differs from the last dimension", x, b);
        int rows = Shapes.rows(x), cols = x.dim(-1);
        boolean rec = Grad.recording(x, b);
        Tensor y = x.emptyLike();                                          // [N, I]
        // Without a graph nothing is kept: the output buffer doubles as the scratch for x + b.
        Tensor pre = rec ? x.emptyLike() : y;                              // [N, I]
        x.backend().biasGeluForward(x.storage(), b.storage(), pre.storage(), y.storage(), rows, cols);
        return rec ? new BiasGelu(x, b, pre).record(y) : y;
    }

    /**
     * The same op with pre = x + b written over x's own storage (x's values are gone; pre, kept for
     * backward, is a view of them). Only for an x that nothing else reads: BERT's intermediate dense
     * product x W^T, whose Linear backward needs the Linear's input, not this. Saves an [N, I] buffer
     * per layer, the largest activation of the block.
     */
    public static Tensor forwardInPlace(Tensor x, Tensor b) {
        Shapes.check(b.rank() == 1 && b.dim(0) == x.dim(-1), "BiasGelu", "bias length differs from the last dimension", x, b);
        int rows = Shapes.rows(x), cols = x.dim(-1);
        Tensor y = x.emptyLike();                                          // [N, I]
        x.backend().biasGeluForward(x.storage(), b.storage(), x.storage(), y.storage(), rows, cols);
        if (!Grad.recording(x, b)) return y;
        Tensor pre = Tensor.view(x, x.shape());                            // [N, I], x + b over x
        return new BiasGelu(x, b, pre).record(y);
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0], b = inputs[1];
        int rows = Shapes.rows(x), cols = x.dim(-1);
        // The fused kernel always writes both gradients; route an unneeded one to a scratch buffer.
        Tensor dx = x.requiresGrad() ? x.gradForAccumulation() : x.zerosLike(); // [N, I]
        Tensor db = b.requiresGrad() ? b.gradForAccumulation() : b.zerosLike(); // [I]
        y.backend().biasGeluBackward(pre.storage(), y.grad().storage(), dx.storage(), db.storage(), rows, cols);
    }
}
