package jbert.engine.optim;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training update in two passes ({@link GradClip#globalNorm}, then {@link AdamW#step(float, boolean)}
 * with the clipping coefficient and zeroing) against the three-call form ({@link GradClip#clipGradNorm},
 * {@link AdamW#step()}, {@link AdamW#zeroGrad()}): bit for bit the same parameters, moments and (zero)
 * gradients, on both CPU backends, over steps that clip and steps that do not.
 */
class FusedUpdateTest {
    record Model(Map<String, Tensor> params, AdamW opt) {}

    static Model model(Backend be) {
        Random r = new Random(5);
        Map<String, Tensor> params = new LinkedHashMap<>();
        int[][] shapes = {{7, 5}, {5}, {3, 33}, {1}};
        String[] names = {"dense.weight", "dense.bias", "other.weight", "LayerNorm.weight"};
        for (int i = 0; i < shapes.length; i++) {
            float[] data = new float[(int) Tensor.numel(shapes[i])];
            for (int j = 0; j < data.length; j++) data[j] = (float) r.nextGaussian() * 0.1f;
            params.put(names[i], Tensor.of(be, data, shapes[i]).keep().requireGrad());
        }
        return new Model(params, new AdamW(params, 1e-2, 0.9, 0.999, 1e-8, 0.01, AdamW::isNoDecay));
    }

    /** Gradients of step t: large on odd steps (norm above 1: clipped), small on even ones. */
    static void setGrads(Model m, int t) {
        Random r = new Random(100 + t);
        float size = t % 2 == 1 ? 3f : 0.01f;
        for (Tensor p : m.params().values()) {
            float[] g = new float[(int) p.size()];
            for (int j = 0; j < g.length; j++) g[j] = (float) r.nextGaussian() * size;
            p.gradForAccumulation().copyFrom(g);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fast", "reference"})
    void twoPassesEqualClipStepAndZeroBitForBit(String which) {
        Backend be = which.equals("fast") ? CpuBackend.INSTANCE : CpuBackend.reference();
        Model three = model(be), two = model(be);
        int clipped = 0;
        for (int t = 1; t <= 4; t++) {
            setGrads(three, t);
            setGrads(two, t);
            double normThree = GradClip.clipGradNorm(three.params().values(), 1.0);
            three.opt().step();
            three.opt().zeroGrad();
            double normTwo = GradClip.globalNorm(two.params().values());
            float coef = GradClip.coefficient(normTwo, 1.0);
            if (coef < 1) clipped++;
            two.opt().step(coef, true);
            assertEquals(normThree, normTwo, "the norm before clipping, step " + t);
            for (String name : three.params().keySet()) {
                Tensor a = three.params().get(name), b = two.params().get(name);
                assertArrayEquals(a.toArray(), b.toArray(), name + " after step " + t);
                assertArrayEquals(a.grad().toArray(), b.grad().toArray(), name + " gradient (zeroed) after step " + t);
                assertArrayEquals(new float[(int) a.size()], b.grad().toArray(), name + " gradient is zero after step " + t);
            }
            for (int i = 0; i < three.opt().slots().size(); i++) {
                assertArrayEquals(three.opt().slots().get(i).m.toArray(), two.opt().slots().get(i).m.toArray());
                assertArrayEquals(three.opt().slots().get(i).v.toArray(), two.opt().slots().get(i).v.toArray());
            }
        }
        assertEquals(2, clipped, "odd steps clip, even steps do not");
        assertTrue(GradClip.coefficient(0.5, 1.0) == 1f && GradClip.coefficient(4 - 1e-6, 1.0) == 0.25f);
    }
}
