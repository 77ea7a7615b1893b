package jbert.engine.ops;

import jbert.engine.Backend;
import jbert.engine.Backends;
import jbert.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * AddLayerNorm's backward writes ds straight into a's gradient when a has none yet; these cover the
 * other paths: a that already holds a gradient, and the same tensor on both sides (a = b), where
 * both contributions must add up.
 */
class AddLayerNormBackwardTest {
    private final Backend be = Backends.cpu();

    /** Gradients of LayerNorm(a + b) w.r.t. separate a and b, from a fixed seed. */
    private float[][] separate(float[] av, float[] bv, float[] gv, float[] seed) {
        Tensor a = Tensor.of(be, av, 3, 11).requireGrad();
        Tensor b = Tensor.of(be, bv, 3, 11).requireGrad();
        Tensor gamma = Tensor.of(be, gv, 11).requireGrad();
        Tensor beta = Tensor.zeros(be, 11).requireGrad();
        AddLayerNorm.forward(a, b, gamma, beta, 1e-12f).backward(seed);
        return new float[][]{a.grad().toArray(), b.grad().toArray()};
    }

    @Test void sameTensorOnBothSidesCollectsBothContributions() {
        Random r = new Random(2);
        float[] xv = GradCheck.random(r, 33), gv = GradCheck.random(r, 11), seed = GradCheck.random(r, 33);
        float[][] sep = separate(xv, xv, gv, seed);
        Tensor x = Tensor.of(be, xv, 3, 11).requireGrad();
        Tensor gamma = Tensor.of(be, gv, 11).requireGrad();
        AddLayerNorm.forward(x, x, gamma, Tensor.zeros(be, 11).requireGrad(), 1e-12f).backward(seed);
        float[] want = new float[33];
        for (int i = 0; i < 33; i++) want[i] = sep[0][i] + sep[1][i];
        assertArrayEquals(want, x.grad().toArray(), 1e-6f);
    }

    @Test void aWithAGradientAlreadyAccumulates() {
        Random r = new Random(4);
        float[] av = GradCheck.random(r, 33), bv = GradCheck.random(r, 33), gv = GradCheck.random(r, 11);
        float[] seed = GradCheck.random(r, 33), earlier = GradCheck.random(r, 33);
        float[][] sep = separate(av, bv, gv, seed);
        Tensor a = Tensor.of(be, av, 3, 11).requireGrad();
        a.gradForAccumulation().copyFrom(earlier);                          // a gradient from elsewhere
        Tensor gamma = Tensor.of(be, gv, 11).requireGrad();
        AddLayerNorm.forward(a, Tensor.of(be, bv, 3, 11).requireGrad(), gamma, Tensor.zeros(be, 11).requireGrad(), 1e-12f)
                .backward(seed);
        float[] want = new float[33];
        for (int i = 0; i < 33; i++) want[i] = earlier[i] + sep[0][i];
        assertArrayEquals(want, a.grad().toArray(), 1e-6f);
    }
}
