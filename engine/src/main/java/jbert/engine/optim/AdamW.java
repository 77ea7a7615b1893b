package jbert.engine.optim;

import jbert.engine.Backend;
import jbert.engine.Scope;
import jbert.engine.Storage;
import jbert.engine.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019), step for step as
 * {@code torch.optim.AdamW} (foreach=False semantics), for each parameter p with gradient g at step t:
 * <pre>
 *   p = p - lr * wd * p                         decay first, on the parameter, not through the moments
 *   m = b1 m + (1 - b1) g                       first moment
 *   v = b2 v + (1 - b2) g^2                     second moment
 *   p = p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Parameter groups as HF's Trainer builds them: no weight decay for biases and LayerNorm weights.
 * The update runs as one fused multi-tensor backend call over all parameters (one launch on a GPU).
 */
public final class AdamW {
    /** One parameter with its moments (created at zero, like torch's lazy state). */
    public static final class Slot {
        public final String name;
        public final Tensor param, m, v;
        public final boolean decay;

        Slot(String name, Tensor param, boolean decay) {
            this.name = name; this.param = param; this.decay = decay;
            this.m = Scope.persistent(param::zerosLike);
            this.v = Scope.persistent(param::zerosLike);
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    private final float beta1, beta2, eps, weightDecay;
    private float lr;
    private int step;

    /**
     * @param params  named parameters (HF names)
     * @param noDecay which names get no weight decay
     */
    public AdamW(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 Predicate<String> noDecay) {
        this.lr = (float) lr; this.beta1 = (float) beta1; this.beta2 = (float) beta2;
        this.eps = (float) eps; this.weightDecay = (float) weightDecay;
        params.forEach((name, p) -> slots.add(new Slot(name, p, !noDecay.test(name))));
    }

    /** HF Trainer's rule (get_decay_parameter_names): biases and LayerNorm parameters are not decayed. */
    public static boolean isNoDecay(String name) {
        return name.endsWith(".bias") || name.contains("LayerNorm.") || name.contains("layer_norm");
    }

    public void setLr(double lr) { this.lr = (float) lr; }
    public double lr() { return lr; }
    public int stepCount() { return step; }

    /** One update of every parameter that has a gradient: one multi-tensor backend call per backend. */
    public void step() { step(1f, false); }

    /**
     * One update with each gradient first multiplied by {@code gradScale} (the clipping coefficient,
     * {@link GradClip#coefficient}), then, with {@code zeroGrads}, set to zero: the same result as
     * {@link GradClip#clipGradNorm}, {@link #step()} and {@link #zeroGrad()} in turn, bit for bit, in
     * one pass over the gradients instead of three (the scale happens in float, as the separate pass
     * would store it).
     */
    public void step(float gradScale, boolean zeroGrads) {
        step++;
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float bc2 = (float) (1 - Math.pow(beta2, step));
        Map<Backend, List<Slot>> byBackend = withGrads();
        byBackend.forEach((backend, list) -> {
            int n = list.size();
            Storage[] params = new Storage[n], grads = new Storage[n], ms = new Storage[n], vs = new Storage[n];
            long[] sizes = new long[n];
            float[] decays = new float[n];
            for (int i = 0; i < n; i++) {
                Slot s = list.get(i);
                params[i] = s.param.storage(); grads[i] = s.param.grad().storage();
                ms[i] = s.m.storage(); vs[i] = s.v.storage();
                sizes[i] = s.param.size();
                decays[i] = s.decay ? weightDecay : 0f;
            }
            backend.adamwUpdate(params, grads, ms, vs, sizes, lr, beta1, beta2, eps, decays, bc1, bc2, gradScale, zeroGrads);
        });
    }

    /** Zeroes every gradient (keeping the buffers): the one place gradients are reset. */
    public void zeroGrad() {
        withGrads().forEach((backend, list) ->
                backend.fill(list.stream().map(s -> s.param.grad().storage()).toArray(Storage[]::new), 0f));
    }

    /** The slots whose parameter has a gradient, in order, by the backend they live on. */
    private Map<Backend, List<Slot>> withGrads() {
        Map<Backend, List<Slot>> byBackend = new LinkedHashMap<>();
        for (Slot s : slots) {
            if (s.param.grad() != null) byBackend.computeIfAbsent(s.param.backend(), b -> new ArrayList<>()).add(s);
        }
        return byBackend;
    }

    public List<Slot> slots() { return slots; }

    /** The optimizer state for checkpoints: moments by "m." / "v." + name. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Slot s : slots) { m.put("m." + s.name, s.m); m.put("v." + s.name, s.v); }
        return m;
    }

    /** Restores the step count (the moments are restored through {@link #state()}). */
    public void restoreStep(int step) { this.step = step; }
}
