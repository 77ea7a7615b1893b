package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Attention's masked, scaled softmax over the key axis:
 * p[b,h,i,j] = softmax_j(scale * s[b,h,i,j] + mask[b,j]).
 * The mask is additive, 0 for a real key and the float32 minimum for padding (HF's
 * {@code (1 - attention_mask) * torch.finfo(dtype).min}); never -inf, which would turn an all-masked
 * row into NaN.
 *
 * <p>Backward: the softmax Jacobian is dp_j/dz_k = p_j (delta_jk - p_k), so
 * dz_k = p_k (dp_k - sum_j dp_j p_j), and ds += scale * dz. The mask has no gradient.
 */
public final class Softmax extends Op {
    private final float scale;

    private Softmax(Tensor scores, float scale) { super(scores); this.scale = scale; }

    /**
     * @param scores [B, NH, T, T]
     * @param mask   [B, T], additive
     */
    public static Tensor forward(Tensor scores, Tensor mask, float scale) {
        check(scores, mask);
        int B = scores.dim(0), NH = scores.dim(1), T = scores.dim(2);
        Tensor p = scores.emptyLike();                                     // [B, NH, T, T]
        scores.backend().softmaxForward(scores.storage(), mask.storage(), scale, p.storage(), B, NH, T);
        return Grad.recording(scores) ? new Softmax(scores, scale).record(p) : p;
    }

    /**
     * The same softmax written over the scores' own storage: the result is a view of it and the
     * scores are gone. Only for scores that nothing else reads; attention's are (Q K^T's backward
     * needs Q and K, not the product), and backward needs only the output p. Saves a [B, NH, T, T]
     * buffer per layer.
     */
    public static Tensor forwardInPlace(Tensor scores, Tensor mask, float scale) {
        check(scores, mask);
        int B = scores.dim(0), NH = scores.dim(1), T = scores.dim(2);
        scores.backend().softmaxForward(scores.storage(), mask.storage(), scale, scores.storage(), B, NH, T);
        Tensor p = Tensor.view(scores, scores.shape());                    // [B, NH, T, T], over the scores
        return Grad.recording(scores) ? new Softmax(scores, scale).record(p) : p;
    }

    private static void check(Tensor scores, Tensor mask) {
        Shapes.rank("Softmax", scores, 4);
        int B = scores.dim(0), T = scores.dim(2);
        Shapes.check(scores.dim(3) == T && mask.rank() == 2 && mask.dim(0) == B && mask.dim(1) == T,
                "Softmax", "scores must be [B, NH, T, T] and mask [B, T]", scores, mask);
    }

    @Override
    public void backward(Tensor p) {
        Tensor s = inputs[0];
        if (!s.requiresGrad()) return;
        // The output p is the softmax kept for backward.
        p.backend().softmaxBackward(p.storage(), p.grad().storage(), s.gradForAccumulation().storage(), scale,
                s.dim(0), s.dim(1), s.dim(2));
    }
}
