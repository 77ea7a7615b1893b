package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane-wise math for the fast kernels, written with IEEE-exact operations only (add, mul, fma,
 * compare, exact conversions), never with the Vector API's EXP or its float ADD reduction.
 *
 * <p>Why: those two are computed one way by the JIT-compiled intrinsic (an SVML stub; a reduction tree)
 * and another by the interpreter's fallback (StrictMath per lane; a lane-order loop), so a kernel's
 * result would change in the last bit once the JIT compiles it, and two identical training runs could
 * differ (the project promises bitwise-reproducible losses). FastKernelsTest catches this: it runs each
 * kernel twice and compares the bits.
 */
final class VectorMath {
    private VectorMath() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in two (Cody &amp; Waite): n * LN2_HI is exact for |n| &lt; 2^9, so r = x - n ln2 keeps its bits. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float to the nearest integer. */
    private static final float ROUND = 12582912f;
    /** Beyond these, exp overflows float (n would exceed 127) or falls below its normal range. */
    private static final float MAX_ARG = 88.3762626647949f, MIN_ARG = -87.3365478515625f;

    /**
     * exp(x) to about 2 ulp for the arguments the kernels pass (x &lt;= 0: softmax shifted by its row max,
     * GELU's -x^2/2 and -z^2 + P(t)): x = n ln2 + r with n = round(x / ln2) and |r| &lt;= ln2/2, exp(r)
     * by its Taylor series to r^7 (truncation error r^8/8! &lt; 6e-9 relative), times 2^n built in the
     * exponent bits. Below MIN_ARG the result is 0 (a padded key's probability is exactly 0); above
     * MAX_ARG it saturates at exp(MAX_ARG); NaN stays NaN. Kept small on purpose: C2 must inline it
     * whole into the kernels' loops, or the vectors it passes are boxed.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(MIN_ARG).min(MAX_ARG);
        FloatVector n = xc.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = r.fma(1f / 5040, 1f / 720).fma(r, FloatVector.broadcast(S, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 24)).fma(r, FloatVector.broadcast(S, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(S, 0.5f)).fma(r, FloatVector.broadcast(S, 1f)).fma(r, FloatVector.broadcast(S, 1f));
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats()).blend(0f, x.compare(VectorOperators.LT, MIN_ARG));
    }

    /**
     * The mask for the vector at i of a loop over [0, n): null while a whole vector fits, the partial
     * mask only for the last one. The kernels pass it to {@link #load} and {@link #store}, which use the
     * plain (unmasked) instructions for null: a masked load or store, even with every lane set, runs
     * several times slower on this JDK (measured: softmax backward 8.5 ms masked, 1.8 ms unmasked).
     */
    static VectorMask<Float> tail(int i, int n) {
        return i + VL <= n ? null : S.indexInRange(i, n);
    }

    /** a[i, i+VL) under mask m (null: all lanes); masked-off lanes read as 0. */
    static FloatVector load(float[] a, int i, VectorMask<Float> m) {
        return m == null ? FloatVector.fromArray(S, a, i) : FloatVector.fromArray(S, a, i, m);
    }

    /** a[i, i+VL) = v under mask m (null: all lanes). */
    static void store(FloatVector v, float[] a, int i, VectorMask<Float> m) {
        if (m == null) v.intoArray(a, i);
        else v.intoArray(a, i, m);
    }

    /**
     * The lanes of v summed in double, in lane order (the same bits compiled or interpreted), through
     * {@code scratch}, an array of at least VL floats owned by the caller's thread.
     */
    static double sumLanes(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        double s = 0;
        for (int i = 0; i < VL; i++) s += scratch[i];
        return s;
    }
}
