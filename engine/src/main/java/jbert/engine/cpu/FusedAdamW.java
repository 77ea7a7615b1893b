package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The optimizer's two passes over all parameters, in float vectors split across threads:
 * the AdamW update touching each of param, grad, m, v once (read 4, write 3 arrays: memory-bound, so
 * one fused pass is the whole game), and the sum of squares for the global gradient norm.
 * References: {@link ReferenceKernels#adamwUpdate}, {@link ReferenceKernels#sumOfSquares}.
 */
final class FusedAdamW {
    private FusedAdamW() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final int GRAIN = 1 << 15;
    /** sumOfSquares sums blocks of this many elements in float lanes, then the blocks in double. */
    private static final int BLOCK = 1 << 12;

    /** torch.optim.AdamW's update in float32, as torch computes it (see the reference for the formula). */
    static void update(float[] param, float[] grad, float[] mArr, float[] vArr, int n,
                       float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
        float stepSize = lr / bc1;
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float decay = 1f - lr * weightDecay;
        float oneMinusB1 = 1f - beta1, oneMinusB2 = 1f - beta2;
        Parallel.forRange(n, GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i += VL) {
                step(param, grad, mArr, vArr, i, VectorMath.tail(i, hi), beta1, beta2, oneMinusB1, oneMinusB2,
                        eps, stepSize, bc2Sqrt, decay);
            }
        });
    }

    /** One vector of the update; the mask is null (all lanes) except for the tail of a chunk. */
    private static void step(float[] param, float[] grad, float[] mArr, float[] vArr, int i, VectorMask<Float> k,
                             float beta1, float beta2, float oneMinusB1, float oneMinusB2, float eps,
                             float stepSize, float bc2Sqrt, float decay) {
        FloatVector g = VectorMath.load(grad, i, k);
        FloatVector m = VectorMath.load(mArr, i, k).mul(beta1).add(g.mul(oneMinusB1));
        FloatVector v = VectorMath.load(vArr, i, k).mul(beta2).add(g.mul(g).mul(oneMinusB2));
        FloatVector denom = v.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(eps);
        FloatVector p = VectorMath.load(param, i, k).mul(decay);
        VectorMath.store(p.sub(m.mul(stepSize).div(denom)), param, i, k);
        VectorMath.store(m, mArr, i, k);
        VectorMath.store(v, vArr, i, k);
    }

    /**
     * Sum of x^2: fixed blocks of {@value #BLOCK} elements summed in float lanes, the block sums added in
     * double, and the chunks' partial sums added in chunk order (deterministic per thread count).
     */
    static double sumOfSquares(float[] x, int n) {
        int blocks = (n + BLOCK - 1) / BLOCK;
        int parts = Parallel.parts(blocks, GRAIN / BLOCK);
        double[] partial = new double[parts];
        Parallel.run(parts, p -> {
            double s = 0;
            float[] lanes = new float[VL];
            for (int b = Parallel.chunkStart(blocks, parts, p), end = Parallel.chunkStart(blocks, parts, p + 1); b < end; b++) {
                int lo = b * BLOCK, hi = Math.min(n, lo + BLOCK);
                FloatVector acc = FloatVector.zero(S);
                for (int i = lo; i < hi; i += VL) {
                    FloatVector v = VectorMath.load(x, i, VectorMath.tail(i, hi));
                    acc = v.fma(v, acc);
                }
                s += VectorMath.sumLanes(acc, lanes);
            }
            partial[p] = s;
        });
        double sum = 0;
        for (double s : partial) sum += s;
        return sum;
    }
}
