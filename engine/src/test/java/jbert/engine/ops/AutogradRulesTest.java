package jbert.engine.ops;

import jbert.engine.Backend;
import jbert.engine.Backends;
import jbert.engine.Grad;
import jbert.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine-wide rules: gradients accumulate, no-grad records nothing, errors name both shapes. */
class AutogradRulesTest {
    private final Backend be = Backends.cpu();

    @Test void backwardAccumulatesUntilZeroed() {
        Random r = new Random(1);
        Tensor x = Tensor.of(be, GradCheck.random(r, 6), 2, 3).requireGrad();
        Tensor w = Tensor.of(be, GradCheck.random(r, 12), 4, 3).requireGrad();
        Linear.forward(x, w, null).backward(new float[]{1, 2, 3, 4, 5, 6, 7, 8});
        float[] once = w.grad().toArray();
        Linear.forward(x, w, null).backward(new float[]{1, 2, 3, 4, 5, 6, 7, 8});
        float[] twice = w.grad().toArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-5f);
    }

    @Test void tensorUsedTwiceCollectsBothContributions() {
        Tensor x = Tensor.of(be, new float[]{1, 2, 3}, 3).requireGrad();
        Add.forward(x, x).backward(new float[]{1, 1, 1});                  // d(x + x)/dx = 2
        assertArrayEquals(new float[]{2, 2, 2}, x.grad().toArray());
    }

    @Test void noGradRecordsNothing() {
        Tensor x = Tensor.of(be, new float[]{1, 2, 3, 4}, 2, 2).requireGrad();
        Tensor g = Tensor.of(be, new float[]{1, 1}, 2).requireGrad();
        Tensor b = Tensor.of(be, new float[]{0, 0}, 2).requireGrad();
        Tensor y;
        try (Grad.NoGrad ignored = Grad.disabled()) {
            y = LayerNorm.forward(Gelu.forward(x), g, b, 1e-12f);
        }
        assertNull(y.gradFn(), "no graph node in no-grad mode");
        assertTrue(!y.requiresGrad());
        Tensor y2 = LayerNorm.forward(Gelu.forward(x), g, b, 1e-12f);
        assertTrue(y2.gradFn() instanceof LayerNorm, "recording is back on after the block");
    }

    @Test void shapeErrorsNameOpAndBothShapes() {
        Tensor a = Tensor.zeros(be, 2, 3).named("a");
        Tensor w = Tensor.zeros(be, 4, 5).named("w");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Linear.forward(a, w, null));
        assertTrue(e.getMessage().contains("Linear") && e.getMessage().contains("a [2, 3]") && e.getMessage().contains("w [4, 5]"),
                e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> Add.forward(a, Tensor.zeros(be, 3, 2)));
        assertTrue(e2.getMessage().contains("[2, 3]") && e2.getMessage().contains("[3, 2]"), e2.getMessage());
    }

    @Test void paddingRowGetsNoGradient() {
        Tensor table = Tensor.of(be, new float[]{1, 1, 2, 2, 3, 3}, 3, 2).requireGrad();
        Embedding.forward(new int[]{0, 1, 0, 2}, table, 0).backward(new float[]{1, 1, 1, 1, 1, 1, 1, 1});
        assertArrayEquals(new float[]{0, 0, 1, 1, 1, 1}, table.grad().toArray());
    }
}
