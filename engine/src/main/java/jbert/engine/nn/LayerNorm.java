package jbert.engine.nn;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.ops.AddLayerNorm;

/** LayerNorm over the last dimension with learned weight (gamma, init 1) and bias (beta, init 0). */
public final class LayerNorm extends Module {
    public final Tensor weight, bias;
    private final float eps;

    public LayerNorm(Backend be, int H, double eps) {
        weight = parameter("weight", Tensor.of(be, Init.ones(H), H));      // [H]
        bias = parameter("bias", Tensor.zeros(be, H));                     // [H]
        this.eps = (float) eps;
    }

    public Tensor forward(Tensor x) {
        return jbert.engine.ops.LayerNorm.forward(x, weight, bias, eps);
    }

    /** LayerNorm(x + residual), the post-LN block's "Add &amp; Norm", fused. */
    public Tensor forwardResidual(Tensor x, Tensor residual) {
        return AddLayerNorm.forward(x, residual, weight, bias, eps);
    }

    /** As {@link #forwardResidual}, with x + residual written over x (see {@link AddLayerNorm#forwardInPlace}). */
    public Tensor forwardResidualInPlace(Tensor x, Tensor residual) {
        return AddLayerNorm.forwardInPlace(x, residual, weight, bias, eps);
    }
}
