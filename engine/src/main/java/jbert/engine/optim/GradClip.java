package jbert.engine.optim;

import jbert.engine.Backend;
import jbert.engine.Storage;
import jbert.engine.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Global-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: with n = sqrt(sum over all gradients
 * of g^2), every gradient is scaled by min(1, maxNorm / (n + 1e-6)).
 */
public final class GradClip {
    private GradClip() {}

    /**
     * Clips in place and returns the norm before clipping. The norm and the scaling each go to the
     * backend as one multi-tensor call over all gradients (one launch on a GPU, not one per tensor).
     * A training step can skip the scaling pass: {@link #globalNorm}, then
     * {@link AdamW#step(float, boolean)} with the {@link #coefficient}.
     */
    public static double clipGradNorm(Collection<Tensor> params, double maxNorm) {
        Map<Backend, Grads> byBackend = byBackend(params);
        double norm = globalNorm(byBackend);
        float coef = coefficient(norm, maxNorm);
        if (coef < 1) {
            for (var e : byBackend.entrySet()) e.getKey().scale(coef, e.getValue().storages(), e.getValue().sizes());
        }
        return norm;
    }

    /** sqrt(sum over all gradients of g^2): the norm clipping compares with maxNorm. */
    public static double globalNorm(Collection<Tensor> params) { return globalNorm(byBackend(params)); }

    /**
     * The factor clipping scales every gradient by: min(1, maxNorm / (norm + 1e-6)), computed in
     * double and rounded to float, as torch's clip_coef_clamped.
     */
    public static float coefficient(double norm, double maxNorm) {
        double coef = maxNorm / (norm + 1e-6);
        return coef < 1 ? (float) coef : 1f;
    }

    private static double globalNorm(Map<Backend, Grads> byBackend) {
        double sumSq = 0;
        for (var e : byBackend.entrySet()) sumSq += e.getKey().sumOfSquares(e.getValue().storages(), e.getValue().sizes());
        return Math.sqrt(sumSq);
    }

    private static Map<Backend, Grads> byBackend(Collection<Tensor> params) {
        Map<Backend, Grads> byBackend = new LinkedHashMap<>();
        for (Tensor p : params) {
            if (p.grad() != null) byBackend.computeIfAbsent(p.backend(), b -> new Grads()).add(p.grad().storage(), p.size());
        }
        return byBackend;
    }

    /** The gradients on one backend, in parameter order, with their sizes. */
    private static final class Grads {
        private final List<Storage> storages = new ArrayList<>();
        private final List<Long> sizes = new ArrayList<>();

        void add(Storage s, long n) { storages.add(s); sizes.add(n); }
        Storage[] storages() { return storages.toArray(new Storage[0]); }
        long[] sizes() { return sizes.stream().mapToLong(Long::longValue).toArray(); }
    }
}
