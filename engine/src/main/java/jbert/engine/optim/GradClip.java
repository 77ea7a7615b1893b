package jbert.engine.optim;

import jbert.engine.Tensor;

import java.util.Collection;

/**
 * Global-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: with n = sqrt(sum over all gradients
 * of g^2), every gradient is scaled by min(1, maxNorm / (n + 1e-6)).
 */
public final class GradClip {
    private GradClip() {}

    /** Clips in place and returns the norm before clipping. */
    public static double clipGradNorm(Collection<Tensor> params, double maxNorm) {
        double sumSq = 0;
        for (Tensor p : params) {
            if (p.grad() != null) sumSq += p.backend().sumOfSquares(p.grad().storage(), p.size());
        }
        double norm = Math.sqrt(sumSq);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Tensor p : params) {
                if (p.grad() != null) p.backend().scale((float) coef, p.grad().storage(), p.grad().storage(), p.size());
            }
        }
        return norm;
    }
}
