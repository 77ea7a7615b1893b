package jbert.engine.ops;

import jbert.engine.Tensor;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks an op's backward against central finite differences. The loss is L = sum_i w_i y_i with fixed
 * random weights w, accumulated in double on the host; the numerical derivative of L with respect to
 * an input element is (L(x + h) - L(x - h)) / 2h, with every op evaluated by the float32 kernels.
 * h = 1e-2 balances the truncation error O(h^2) against float32 rounding divided by h.
 */
final class GradCheck {
    private GradCheck() {}

    static final double H = 1e-2;

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /**
     * @param forward builds the output from the inputs (called many times)
     * @param inputs  leaf tensors that require a gradient
     */
    static void check(String what, Supplier<Tensor> forward, List<Tensor> inputs, long seed) {
        Random r = new Random(seed);
        Tensor y0 = forward.get();
        float[] w = random(r, (int) y0.size());
        for (Tensor in : inputs) in.clearGrad();
        y0.backward(w);
        for (Tensor in : inputs) {
            float[] analytic = in.grad().toArray();
            float[] x = in.toArray();
            int checks = Math.min(x.length, 40);
            for (int c = 0; c < checks; c++) {
                int i = x.length <= 40 ? c : r.nextInt(x.length);
                float saved = x[i];
                x[i] = (float) (saved + H); in.copyFrom(x);
                double plus = dot(forward.get(), w);
                x[i] = (float) (saved - H); in.copyFrom(x);
                double minus = dot(forward.get(), w);
                x[i] = saved; in.copyFrom(x);
                // The perturbation actually applied, after rounding to float32.
                double h2 = ((double) (float) (saved + H)) - ((double) (float) (saved - H));
                double numeric = (plus - minus) / h2;
                double err = Math.abs(numeric - analytic[i]);
                double tol = 2e-3 + 1e-2 * Math.abs(numeric);
                assertTrue(err <= tol, what + ": d/d" + in.describe() + "[" + i + "] analytic " + analytic[i]
                        + " numeric " + numeric + " (error " + err + ")");
            }
        }
    }

    static double dot(Tensor y, float[] w) {
        float[] v = y.toArray();
        double s = 0;
        for (int i = 0; i < v.length; i++) s += (double) v[i] * w[i];
        return s;
    }
}
