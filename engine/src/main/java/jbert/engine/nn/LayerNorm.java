package jbert.engine.nn;

import jbert.engine.Backend;
import jbert.engine.Tensor;

/** LayerNorm over the last dimension with learned weight (gamma, init 1) and bias (beta, init 0). */
public final class LayerNorm extends Module {
    public final Tensor weight, bias;
    /** Added to the variance before the square root (the config's layer_norm_eps). */
    public final float eps;

    public LayerNorm(Backend be, int H, double eps) {
        weight = parameter("weight", Tensor.of(be, Init.ones(H), H));      // [H]
        bias = parameter("bias", Tensor.zeros(be, H));                     // [H]
        this.eps = (float) eps;
    }

    public Tensor forward(Tensor x) {
        return jbert.engine.ops.LayerNorm.forward(x, weight, bias, eps);
    }
}
