package jbert.engine.optim;

import jbert.engine.Scope;
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
 * The update runs as one fused backend kernel per parameter tensor.
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

    /** One update of every parameter that has a gradient. */
    public void step() {
        step++;
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float bc2 = (float) (1 - Math.pow(beta2, step));
        for (Slot s : slots) {
            Tensor g = s.param.grad();
            if (g == null) continue;
            s.param.backend().adamwUpdate(s.param.storage(), g.storage(), s.m.storage(), s.v.storage(), s.param.size(),
                    lr, beta1, beta2, eps, s.decay ? weightDecay : 0f, bc1, bc2);
        }
    }

    /** Zeroes every gradient (keeping the buffers): the one place gradients are reset. */
    public void zeroGrad() {
        for (Slot s : slots) {
            Tensor g = s.param.grad();
            if (g != null) g.backend().fill(g.storage(), 0f);
        }
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
