package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Layer normalisation over the last dimension (Ba, Kiros, Hinton 2016), as {@code torch.nn.LayerNorm}:
 * <pre>
 *   mean = (1/H) sum_c x_c          var = (1/H) sum_c (x_c - mean)^2   (biased, like PyTorch)
 *   rstd = 1 / sqrt(var + eps)      xhat = (x - mean) * rstd           y = gamma * xhat + beta
 * </pre>
 * Backward, per row, with g = dy * gamma:
 * <pre>
 *   dbeta  += sum_rows dy           dgamma += sum_rows dy * xhat
 *   dx     += rstd * (g - mean(g) - xhat * mean(g * xhat))
 * </pre>
 * (The two means remove the components of g along the directions that normalisation projects out:
 * a shift of every x_c, and a scaling of xhat.)
 */
public final class LayerNorm extends Op {
    /** Per-row mean and 1/std, kept for backward. [N] each */
    private final Tensor mean, rstd;

    private LayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd) {
        super(x, gamma, beta);
        this.mean = mean; this.rstd = rstd;
    }

    public static Tensor forward(Tensor x, Tensor gamma, Tensor beta, float eps) {
        checkParams(x, gamma, beta);
        int rows = Shapes.rows(x), cols = x.dim(-1);
        Tensor y = x.emptyLike();                                          // [N, H]
        Tensor mean = Tensor.empty(x.backend(), rows);                     // [N]
        Tensor rstd = Tensor.empty(x.backend(), rows);                     // [N]
        x.backend().layernormForward(x.storage(), gamma.storage(), beta.storage(), y.storage(),
                mean.storage(), rstd.storage(), rows, cols, eps);
        return Grad.recording(x, gamma, beta) ? new LayerNorm(x, gamma, beta, mean, rstd).record(y) : y;
    }

    static void checkParams(Tensor x, Tensor gamma, Tensor beta) {
        Shapes.check(gamma.rank() == 1 && gamma.dim(0) == x.dim(-1), "LayerNorm", "weight length differs from the last dimension", x, gamma);
        Shapes.same("LayerNorm", gamma, beta);
    }

    @Override
    public void backward(Tensor y) {
        Tensor x = inputs[0], gamma = inputs[1], beta = inputs[2];
        backwardInto(y, x, gamma, beta, mean, rstd, x.requiresGrad() ? x.gradForAccumulation() : x.zerosLike()); // dx [N, H]
    }

    /** Shared with {@link AddLayerNorm}: accumulates dx into {@code dx}, dgamma and dbeta into the parameters. */
    static void backwardInto(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd, Tensor dx) {
        Tensor dgamma = gamma.requiresGrad() ? gamma.gradForAccumulation() : gamma.zerosLike(); // [H]
        Tensor dbeta = beta.requiresGrad() ? beta.gradForAccumulation() : beta.zerosLike();     // [H]
        y.backend().layernormBackward(y.grad().storage(), x.storage(), gamma.storage(), mean.storage(), rstd.storage(),
                dx.storage(), dgamma.storage(), dbeta.storage(), Shapes.rows(x), x.dim(-1));
    }
}
