package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * BERT's post-LayerNorm "Add &amp; Norm" in one pass: y = LayerNorm(a + b), where a is the sublayer's
 * output and b the residual input (HF BertSelfOutput / BertOutput: {@code LayerNorm(hidden + input)}).
 *
 * <p>Backward: with s = a + b, the LayerNorm backward (see {@link LayerNorm}) gives ds; the sum passes
 * it unchanged to both branches: da += ds, db += ds.
 */
public final class AddLayerNorm extends Op {
    /** s = a + b, the LayerNorm input, kept for backward. [N, H] */
    private final Tensor sum;
    /** Per-row mean and 1/std of s, kept for backward. [N] each */
    private final Tensor mean, rstd;

    private AddLayerNorm(Tensor a, Tensor b, Tensor gamma, Tensor beta, Tensor sum, Tensor mean, Tensor rstd) {
        super(a, b, gamma, beta);
        this.sum = sum; this.mean = mean; this.rstd = rstd;
    }

    public static Tensor forward(Tensor a, Tensor b, Tensor gamma, Tensor beta, float eps) {
        return forward(a, b, gamma, beta, eps, false);
    }

    /**
     * The same op with s = a + b written over a's own storage (a's values are gone; s, kept for
     * backward, is a view of them). Only for an a that nothing else reads: in BERT the sublayer's
     * dropped-out dense product, whose ops' backward passes need gradients only. Saves an [N, H]
     * buffer per use.
     */
    public static Tensor forwardInPlace(Tensor a, Tensor b, Tensor gamma, Tensor beta, float eps) {
        return forward(a, b, gamma, beta, eps, true);
    }

    private static Tensor forward(Tensor a, Tensor b, Tensor gamma, Tensor beta, float eps, boolean inPlace) {
        Shapes.same("AddLayerNorm", a, b);
        LayerNorm.checkParams(a, gamma, beta);
        int rows = Shapes.rows(a), cols = a.dim(-1);
        Tensor y = a.emptyLike();                                          // [N, H]
        Tensor sum = inPlace ? Tensor.view(a, a.shape()) : a.emptyLike();  // [N, H]
        Tensor mean = Tensor.empty(a.backend(), rows);                     // [N]
        Tensor rstd = Tensor.empty(a.backend(), rows);                     // [N]
        a.backend().residualLayernormForward(a.storage(), b.storage(), gamma.storage(), beta.storage(), sum.storage(),
                y.storage(), mean.storage(), rstd.storage(), rows, cols, eps);
        if (!Grad.recording(a, b, gamma, beta)) {
            sum.release(); mean.release(); rstd.release();                 // (a view's release frees nothing)
            return y;
        }
        return new AddLayerNorm(a, b, gamma, beta, sum, mean, rstd).record(y);
    }

    @Override
    public void backward(Tensor y) {
        Tensor a = inputs[0], b = inputs[1], gamma = inputs[2], beta = inputs[3];
        // When a has no gradient yet (in BERT it is the sublayer's output, read by this op alone), the
        // LayerNorm backward accumulates ds straight into it: one buffer and one pass fewer.
        boolean direct = a.requiresGrad() && a.grad() == null;
        Tensor ds = direct ? a.gradForAccumulation() : sum.zerosLike();   // [N, H]
        LayerNorm.backwardInto(y, sum, gamma, beta, mean, rstd, ds);
        if (a.requiresGrad() && !direct) y.backend().axpy(1f, ds.storage(), a.gradForAccumulation().storage(), a.size());
        if (b.requiresGrad()) y.backend().axpy(1f, ds.storage(), b.gradForAccumulation().storage(), b.size());
        if (!direct) ds.release();
    }
}
