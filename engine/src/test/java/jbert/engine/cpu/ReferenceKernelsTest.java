package jbert.engine.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reference kernels' special functions and reductions against independent computations: erf
 * against numerical integration of its definition, GELU's derivative against central differences,
 * LayerNorm's output statistics, softmax rows summing to one with padding ignored.
 */
class ReferenceKernelsTest {

    /** erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, by composite Simpson with 20000 panels. */
    static double erfBySimpson(double x) {
        int n = 20000;
        double h = x / n, s = 1 + Math.exp(-x * x);
        for (int i = 1; i < n; i++) s += (i % 2 == 1 ? 4 : 2) * Math.exp(-(i * h) * (i * h));
        return 2 / Math.sqrt(Math.PI) * s * h / 3;
    }

    @Test
    void erfMatchesItsIntegralDefinition() {
        for (double x = -6; x <= 6; x += 0.37) {
            assertEquals(erfBySimpson(x), ReferenceKernels.erf(x), 1e-12, "erf(" + x + ")");
        }
    }

    @Test
    void erfcKeepsRelativeAccuracyInTheTail() {
        // erfc(x) = 2/sqrt(pi) * integral_x^inf exp(-t^2) dt; integrate [x, x+12] (the rest is < e^-144).
        for (double x : new double[]{2.4, 2.6, 3.5, 5, 8}) {
            int n = 40000;
            double h = 12.0 / n, s = Math.exp(-x * x) + Math.exp(-(x + 12) * (x + 12));
            for (int i = 1; i < n; i++) s += (i % 2 == 1 ? 4 : 2) * Math.exp(-(x + i * h) * (x + i * h));
            double expected = 2 / Math.sqrt(Math.PI) * s * h / 3;
            assertEquals(1.0, ReferenceKernels.erfc(x) / expected, 1e-10, "erfc(" + x + ")");
            assertEquals(2.0 - expected, ReferenceKernels.erfc(-x), 1e-15, "erfc(-" + x + ")");
        }
    }

    @Test
    void geluDerivativeMatchesCentralDifferences() {
        for (double x = -7; x <= 7; x += 0.29) {
            double h = 1e-5;
            double numeric = (ReferenceKernels.gelu(x + h) - ReferenceKernels.gelu(x - h)) / (2 * h);
            assertEquals(numeric, ReferenceKernels.geluDerivative(x), 1e-9, "gelu'(" + x + ")");
        }
        assertEquals(0.0, ReferenceKernels.gelu(0), 0.0);
        assertTrue(ReferenceKernels.gelu(-8) < 0 && ReferenceKernels.gelu(-8) > -1e-13, "gelu's left tail is tiny and negative");
    }

    @Test
    void layernormOutputHasGammaScaleAndBetaShift() {
        int rows = 3, cols = 257;
        float[] x = FastKernelsTest.random(1, rows * cols, -3f, 5f);
        float[] gamma = new float[cols], beta = new float[cols];
        java.util.Arrays.fill(gamma, 2f);
        java.util.Arrays.fill(beta, 0.5f);
        float[] out = new float[rows * cols], mean = new float[rows], rstd = new float[rows];
        ReferenceKernels.layernormForward(x, gamma, beta, out, mean, rstd, rows, cols, 1e-12f);
        for (int r = 0; r < rows; r++) {
            double m = 0, v = 0;
            for (int c = 0; c < cols; c++) m += out[r * cols + c];
            m /= cols;
            for (int c = 0; c < cols; c++) v += (out[r * cols + c] - m) * (out[r * cols + c] - m);
            v /= cols;                                          // biased, as torch
            assertEquals(0.5, m, 1e-6, "row " + r + " mean");
            assertEquals(4.0, v, 1e-5, "row " + r + " variance");
        }
    }

    @Test
    void softmaxRowsSumToOneAndIgnorePadding() {
        int B = 2, NH = 1, T = 5;
        float[] scores = FastKernelsTest.random(2, B * NH * T * T, -50f, 50f);
        float[] mask = new float[B * T];
        mask[T + 3] = mask[T + 4] = -Float.MAX_VALUE;
        float[] probs = new float[scores.length];
        ReferenceKernels.softmaxForward(scores, mask, 1f, probs, B, NH, T);
        for (int row = 0; row < B * NH * T; row++) {
            double s = 0;
            for (int j = 0; j < T; j++) s += probs[row * T + j];
            assertEquals(1.0, s, 1e-6, "row " + row);
        }
        for (int i = 0; i < T; i++) {
            assertEquals(0f, probs[(T + i) * T + 3], "padded key 3 of item 1, query " + i);
            assertEquals(0f, probs[(T + i) * T + 4], "padded key 4 of item 1, query " + i);
        }
    }

    @Test
    void crossEntropyIsLogSumExpMinusTheLabelLogit() {
        float[] logits = {1f, 2f, 3f, -1f, 0f, 4f};
        int[] labels = {2, 0};
        float[] probs = new float[6];
        double loss = ReferenceKernels.crossEntropyForward(logits, labels, probs, 2, 3);
        double l0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
        double l1 = Math.log(Math.exp(-1) + Math.exp(0) + Math.exp(4)) + 1;
        assertEquals((l0 + l1) / 2, loss, 1e-12);
        assertEquals(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), probs[2], 1e-7);
    }
}
