package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Masked attention softmax, forward and backward, one key row at a time in float vectors, rows split
 * across threads. References: {@link ReferenceKernels#softmaxForward}, {@link ReferenceKernels#softmaxBackward}.
 */
final class VectorSoftmax {
    private VectorSoftmax() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final int GRAIN = 1 << 13;

    /**
     * probs[b,h,i,:] = softmax(scale * scores[b,h,i,:] + mask[b,:]): z into probs, its max, exp(z - max)
     * and its sum (the max keeps exp in range; padding keys, at the float minimum, come out as 0),
     * then a multiply by 1/sum.
     */
    static void forward(Parallel parallel, float[] scores, float[] mask, float scale, float[] probs,
                        int B, int NH, int T) {
        int rows = B * NH * T;
        parallel.forRange(rows, Math.max(1, GRAIN / Math.max(T, 1)), (r0, r1) -> {
            float[] lanes = new float[VL];
            for (int r = r0; r < r1; r++) {
                int o = r * T;
                int mo = r / (NH * T) * T;       // this row's batch item's mask
                float max = maskedScores(scores, mask, scale, probs, o, mo, T);
                float sum = expAndSum(probs, o, T, max, lanes);
                scaleRow(probs, o, T, (float) (1.0 / sum));
            }
        });
    }

    // The three passes over a row are separate methods so that C2 compiles each whole (with the exp
    // inlined); as one loop body the exp was left behind a call and its vectors boxed.

    /** probs[o, o+T) = z = scale * scores + mask[mo, mo+T); returns max z (exact in any order). */
    private static float maskedScores(float[] scores, float[] mask, float scale, float[] probs, int o, int mo, int T) {
        FloatVector maxv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < T; j += VL) {
            VectorMask<Float> m = VectorMath.tail(j, T);
            FloatVector z = VectorMath.load(scores, o + j, m).mul(scale).add(VectorMath.load(mask, mo + j, m));
            VectorMath.store(z, probs, o + j, m);
            maxv = m == null ? maxv.max(z) : maxv.lanewise(VectorOperators.MAX, z, m);
        }
        return maxv.reduceLanes(VectorOperators.MAX);
    }

    /** probs[o, o+T) = exp(z - max); returns their sum (in double, lane order). */
    private static float expAndSum(float[] probs, int o, int T, float max, float[] lanes) {
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < T; j += VL) {
            VectorMask<Float> m = VectorMath.tail(j, T);
            FloatVector e = VectorMath.exp(VectorMath.load(probs, o + j, m).sub(max));
            VectorMath.store(e, probs, o + j, m);
            sum = m == null ? sum.add(e) : sum.add(e, m);
        }
        return (float) VectorMath.sumLanes(sum, lanes);
    }

    /** probs[o, o+T) *= inv. */
    private static void scaleRow(float[] probs, int o, int T, float inv) {
        for (int j = 0; j < T; j += VL) {
            VectorMask<Float> m = VectorMath.tail(j, T);
            VectorMath.store(VectorMath.load(probs, o + j, m).mul(inv), probs, o + j, m);
        }
    }

    /** dscores += scale * p * (dp - sum_j dp_j p_j), row by row. */
    static void backward(Parallel parallel, float[] probs, float[] dprobs, float[] dscores, float scale,
                         int B, int NH, int T) {
        int rows = B * NH * T;
        parallel.forRange(rows, Math.max(1, GRAIN / Math.max(T, 1)), (r0, r1) -> {
            float[] lanes = new float[VL];
            for (int r = r0; r < r1; r++) {
                int o = r * T;
                FloatVector dotv = FloatVector.zero(S);
                for (int j = 0; j < T; j += VL) {
                    VectorMask<Float> m = VectorMath.tail(j, T);
                    dotv = VectorMath.load(dprobs, o + j, m).fma(VectorMath.load(probs, o + j, m), dotv);
                }
                float dot = (float) VectorMath.sumLanes(dotv, lanes);
                for (int j = 0; j < T; j += VL) {
                    VectorMask<Float> m = VectorMath.tail(j, T);
                    FloatVector p = VectorMath.load(probs, o + j, m);
                    FloatVector d = VectorMath.load(dprobs, o + j, m).sub(dot).mul(p).mul(scale);
                    VectorMath.store(VectorMath.load(dscores, o + j, m).add(d), dscores, o + j, m);
                }
            }
        });
    }
}
