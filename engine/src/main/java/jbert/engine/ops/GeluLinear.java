package jbert.engine.ops;

import jbert.engine.Backend;
import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * The middle of BERT's feed-forward block as one op: bias + GELU, then the output dense layer,
 * <pre>
 *   pre = x + b1            [N, I]   x is the intermediate dense product x_in Wi^T
 *   h   = gelu(pre)         [N, I]
 *   y   = h W^T + b2        [N, O]   W [O, I]
 * </pre>
 * that keeps only {@code pre} for backward and recomputes h there (selective activation
 * recomputation, Korthikanti et al. 2022). As the textbook block's ops (the intermediate Linear with
 * its bias, {@link Gelu}, the output Linear), Gelu keeps pre and the output Linear keeps h: two [N, I]
 * buffers per layer, the largest activations of the block. Recomputing h costs one GELU pass
 * over [N, I] in backward (under 1% of a step) and saves one of the two: 600 MB over BERT-base's 12
 * layers at B=32, T=128. The bias add rides on the GELU pass ({@link Backend#biasGeluForward}), one
 * pass over [N, I] fewer. The values and gradients are exactly those of {@link BiasAdd}, {@link Gelu}
 * and {@link Linear} in turn: each element sees the same float operations in the same order.
 *
 * <p>Backward, with dy [N, O] and h recomputed:
 * <ul>
 *   <li>dW += dy^T h, db2 += sum_rows dy                   (Linear)</li>
 *   <li>dh = dy W, written over h once dW no longer needs it  ([N, O] @ [O, I])</li>
 *   <li>g = dh * gelu'(pre); dx += g; db1 += sum_rows g     (Gelu, then BiasAdd)</li>
 * </ul>
 */
public final class GeluLinear extends Op {
    /** pre = x + b1, kept for backward (h is recomputed from it, gelu' is evaluated at it). A view of x. [N, I] */
    private final Tensor pre;
    private final int rows, in, out;

    private GeluLinear(Tensor x, Tensor b1, Tensor w, Tensor b2, Tensor pre, int rows, int in, int out) {
        super(x, b1, w, b2);
        this.pre = pre; this.rows = rows; this.in = in; this.out = out;
    }

    /**
     * Written over x's own storage (pre replaces x's values): only for an x that nothing else reads,
     * the intermediate dense layer's fresh product (a Linear's backward needs its input, not its output).
     *
     * @param x  [N, I] the intermediate dense product without its bias
     * @param b1 [I]    the intermediate dense bias
     * @param w  [O, I] the output dense weight
     * @param b2 [O]    the output dense bias
     * @return   [N, O]
     */
    public static Tensor forwardInPlace(Tensor x, Tensor b1, Tensor w, Tensor b2) {
        Shapes.rank("GeluLinear", w, 2);
        int rows = Shapes.rows(x), in = x.dim(-1), out = w.dim(0);
        Shapes.check(b1.rank() == 1 && b1.dim(0) == in, "GeluLinear", "bias b1 length differs from x's last dimension", x, b1);
        Shapes.check(w.dim(1) == in, "GeluLinear", "x's features differ from the weight's in-features", x, w);
        Shapes.check(b2.rank() == 1 && b2.dim(0) == out, "GeluLinear", "bias b2 length differs from the weight's out-features", w, b2);
        Backend be = x.backend();
        Tensor h = x.emptyLike();                                          // [N, I], freed below
        be.biasGeluForward(x.storage(), b1.storage(), x.storage(), h.storage(), rows, in);
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y = Tensor.empty(be, shape);                                // [N, O]
        be.matmul(false, true, 1, rows, out, in, 1f, h.storage(), w.storage(), 0f, y.storage());
        be.biasForward(y.storage(), b2.storage(), y.storage(), rows, out);
        h.release();
        if (!Grad.recording(x, b1, w, b2)) return y;
        Tensor pre = Tensor.view(x, x.shape());                            // [N, I], x + b1 over x
        return new GeluLinear(x, b1, w, b2, pre, rows, in, out).record(y);
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0], b1 = inputs[1], w = inputs[2], b2 = inputs[3];
        Backend be = y.backend();
        Tensor dy = y.grad();                                              // [N, O]
        Tensor h = pre.emptyLike();                                        // [N, I]: h, then dh
        be.geluForward(pre.storage(), h.storage(), (long) rows * in);
        if (w.requiresGrad()) {   // dW [O, I] += dy^T [O, N] @ h [N, I]
            be.matmul(true, false, 1, out, in, rows, 1f, dy.storage(), h.storage(), 1f, w.gradForAccumulation().storage());
        }
        if (b2.requiresGrad()) be.biasBackward(dy.storage(), b2.gradForAccumulation().storage(), rows, out);
        if (x.requiresGrad() || b1.requiresGrad()) {
            // dh [N, I] = dy [N, O] @ W [O, I], over h (beta 0: h's values are no longer needed).
            be.matmul(false, false, 1, rows, in, out, 1f, dy.storage(), w.storage(), 0f, h.storage());
            // The fused kernel always writes both gradients; route an unneeded one to a scratch buffer.
            Tensor dx = x.requiresGrad() ? x.gradForAccumulation() : x.zerosLike();     // [N, I]
            Tensor db1 = b1.requiresGrad() ? b1.gradForAccumulation() : b1.zerosLike(); // [I]
            be.biasGeluBackward(pre.storage(), h.storage(), dx.storage(), db1.storage(), rows, in);
        }
        h.release();
    }
}
