package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact-erf GELU, plain and fused with the bias add, forward and backward, in float vectors over
 * rows split across threads. References: {@link ReferenceKernels#geluForward} and friends.
 *
 * <p>gelu(x) = x * Phi(x) with Phi(x) = erfc(-x/sqrt 2) / 2. The Vector API has no erf, so erfc comes
 * from the Chebyshev-fitted formula of Numerical Recipes (Press et al., 2nd ed., section 6.2,
 * "erfcc"): with z = |w| and t = 1 / (1 + z/2),
 * erfc(w) = t * exp(-z^2 + P(t)) for w &gt;= 0 and 2 - that for w &lt; 0, P a degree-9 polynomial;
 * its relative error is below 1.2e-7 everywhere, i.e. float rounding. Here w = -x/sqrt 2, so z^2 = x^2/2
 * and the small tail t*exp(...) is Phi itself on the left (x &lt;= 0), where relative accuracy matters.
 */
final class VectorGelu {
    private VectorGelu() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final int GRAIN = 1 << 14;

    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2 * Math.PI));
    /** P(t) of erfcc, constant term first. */
    private static final float[] P = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f, -0.18628806f,
            0.27886807f, -1.13520398f, 1.48851587f, -0.82215223f, 0.17087277f};

    /** Phi(x), the standard normal CDF, lane by lane. */
    static FloatVector normalCdf(FloatVector x) {
        FloatVector z = x.abs().mul(SQRT_HALF);
        FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(0.5f, 1f));
        FloatVector p = FloatVector.broadcast(S, P[9]);
        for (int i = 8; i >= 0; i--) p = p.fma(t, FloatVector.broadcast(S, P[i]));
        // half the tail: erfc(|x|/sqrt 2) / 2 = Phi(-|x|)
        FloatVector tail = t.mul(VectorMath.exp(z.mul(z).neg().add(p))).mul(0.5f);
        return tail.blend(tail.neg().add(1f), x.compare(VectorOperators.GT, 0f));
    }

    /** Elements per segment of the backward kernels' two-loop derivative (4 KB of scratch, in L1). */
    private static final int SEGMENT = 1024;

    /**
     * d[0, n) = gelu'(x[xo, xo+n)) = Phi(x) + x * phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi), in two
     * separately compiled loops: Phi first, then the density term. One loop with both exps is too big
     * a body for C2 to inline whole, and a vector op left behind a call is boxed: ~3x slower.
     */
    private static void derivative(float[] x, int xo, float[] d, int n) {
        normalCdfInto(x, xo, d, n);
        addDensityTerm(x, xo, d, n);
    }

    /** d[0, n) = Phi(x[xo, xo+n)). */
    private static void normalCdfInto(float[] x, int xo, float[] d, int n) {
        for (int i = 0; i < n; i += VL) {
            VectorMask<Float> m = S.indexInRange(i, n);
            normalCdf(FloatVector.fromArray(S, x, xo + i, m)).intoArray(d, i, m);
        }
    }

    /** d[0, n) += x * phi(x) for x = x[xo, xo+n). */
    private static void addDensityTerm(float[] x, int xo, float[] d, int n) {
        for (int i = 0; i < n; i += VL) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector density = VectorMath.exp(v.mul(v).mul(-0.5f)).mul(INV_SQRT_2PI);
            v.fma(density, FloatVector.fromArray(S, d, i, m)).intoArray(d, i, m);
        }
    }

    static void forward(Parallel parallel, float[] x, float[] out, int n) {
        parallel.forRange(n, GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i += VL) {
                VectorMask<Float> m = S.indexInRange(i, hi);
                FloatVector v = FloatVector.fromArray(S, x, i, m);
                v.mul(normalCdf(v)).intoArray(out, i, m);
            }
        });
    }

    static void backward(Parallel parallel, float[] x, float[] dout, float[] dx, int n) {
        parallel.forRange(n, GRAIN, (lo, hi) -> {
            float[] d = new float[SEGMENT];
            for (int s0 = lo; s0 < hi; s0 += SEGMENT) {
                int len = Math.min(SEGMENT, hi - s0);
                derivative(x, s0, d, len);
                accumulateGradient(dout, d, dx, s0, len, null, 0);
            }
        });
    }

    /**
     * g = dout[o, o+n) * d[0, n); dx[o, o+n) += g; and, when sums is not null, sums' columns
     * [c0, c0+n) += g. Its own small method (plain loads and stores, masked only at the tail), so that
     * C2 compiles it whole, apart from the exp-heavy derivative loops.
     */
    private static void accumulateGradient(float[] dout, float[] d, float[] dx, int o, int n, ColumnSums sums, int c0) {
        for (int i = 0; i < n; i += VL) {
            VectorMask<Float> m = VectorMath.tail(i, n);
            FloatVector g = VectorMath.load(dout, o + i, m).mul(VectorMath.load(d, i, m));
            VectorMath.store(VectorMath.load(dx, o + i, m).add(g), dx, o + i, m);
            if (sums != null) sums.add(c0 + i, g, m);
        }
    }

    /** pre = x + bias (kept for backward), out = gelu(pre), in one pass over the row. */
    static void biasForward(Parallel parallel, float[] x, float[] bias, float[] pre, float[] out, int rows, int cols) {
        parallel.forRange(rows, Math.max(1, GRAIN / Math.max(cols, 1)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                for (int c = 0; c < cols; c += VL) {
                    VectorMask<Float> m = S.indexInRange(c, cols);
                    FloatVector v = FloatVector.fromArray(S, x, o + c, m).add(FloatVector.fromArray(S, bias, c, m));
                    v.intoArray(pre, o + c, m);
                    v.mul(normalCdf(v)).intoArray(out, o + c, m);
                }
            }
        });
    }

    /** g = dout * gelu'(pre); dx += g; dbias += column sums of g (per-chunk partial sums, see {@link ColumnSums}). */
    static void biasBackward(Parallel parallel, float[] pre, float[] dout, float[] dx, float[] dbias,
                             int rows, int cols) {
        int parts = parallel.parts(rows, Math.max(1, GRAIN / Math.max(cols, 1)));
        ColumnSums[] sums = ColumnSums.create(parts, cols);
        parallel.run(parts, p -> {
            ColumnSums acc = sums[p];
            float[] d = new float[SEGMENT];
            for (int r = Parallel.chunkStart(rows, parts, p), end = Parallel.chunkStart(rows, parts, p + 1); r < end; r++) {
                int o = r * cols;
                for (int c0 = 0; c0 < cols; c0 += SEGMENT) {
                    int len = Math.min(SEGMENT, cols - c0);
                    derivative(pre, o + c0, d, len);
                    accumulateGradient(dout, d, dx, o + c0, len, acc, c0);
                }
                acc.endRow();
            }
        });
        ColumnSums.addTo(sums, dbias);
    }
}
