package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm over rows, forward (plain and fused with the residual add) and backward, in float vectors,
 * rows split across threads. References: {@link ReferenceKernels#layernormForward},
 * {@link ReferenceKernels#residualLayernormForward}, {@link ReferenceKernels#layernormBackward}.
 *
 * <p>Row statistics are two-pass (mean, then squared deviations: no cancellation as in E[x^2] - mean^2),
 * summed in VL float lanes (each lane sums cols/VL values, H/16 = 48 for BERT-base) and reduced in
 * double.
 */
final class VectorLayerNorm {
    private VectorLayerNorm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final int GRAIN = 1 << 13;

    private static int grainRows(int cols) { return Math.max(1, GRAIN / Math.max(cols, 1)); }

    static void forward(Parallel parallel, float[] x, float[] gamma, float[] beta, float[] out,
                        float[] mean, float[] rstd, int rows, int cols, float eps) {
        parallel.forRange(rows, grainRows(cols), (r0, r1) -> {
            float[] lanes = new float[VL];
            for (int r = r0; r < r1; r++) normalizeRow(x, r * cols, gamma, beta, out, mean, rstd, r, cols, eps, lanes);
        });
    }

    /** sum = a + b (kept for backward), then LayerNorm of the row while it is still in L1. */
    static void residualForward(Parallel parallel, float[] a, float[] b, float[] gamma, float[] beta,
                                float[] sum, float[] out, float[] mean, float[] rstd, int rows, int cols, float eps) {
        parallel.forRange(rows, grainRows(cols), (r0, r1) -> {
            float[] lanes = new float[VL];
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                for (int c = 0; c < cols; c += VL) {
                    VectorMask<Float> m = VectorMath.tail(c, cols);
                    VectorMath.store(VectorMath.load(a, o + c, m).add(VectorMath.load(b, o + c, m)), sum, o + c, m);
                }
                normalizeRow(sum, o, gamma, beta, out, mean, rstd, r, cols, eps, lanes);
            }
        });
    }

    private static void normalizeRow(float[] x, int o, float[] gamma, float[] beta, float[] out,
                                     float[] mean, float[] rstd, int r, int cols, float eps, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        for (int c = 0; c < cols; c += VL) {
            acc = acc.add(VectorMath.load(x, o + c, VectorMath.tail(c, cols)));
        }
        float mu = (float) (VectorMath.sumLanes(acc, lanes) / cols);
        FloatVector sq = FloatVector.zero(S);
        for (int c = 0; c < cols; c += VL) {
            VectorMask<Float> m = VectorMath.tail(c, cols);
            FloatVector d = VectorMath.load(x, o + c, m).sub(mu);
            sq = m == null ? d.fma(d, sq) : d.fma(d, sq).blend(sq, m.not());   // padding lanes (x = 0) would add mu^2
        }
        float rs = (float) (1.0 / Math.sqrt(VectorMath.sumLanes(sq, lanes) / cols + eps));
        for (int c = 0; c < cols; c += VL) {
            VectorMask<Float> m = VectorMath.tail(c, cols);
            FloatVector xhat = VectorMath.load(x, o + c, m).sub(mu).mul(rs);
            VectorMath.store(xhat.fma(VectorMath.load(gamma, c, m), VectorMath.load(beta, c, m)), out, o + c, m);
        }
        mean[r] = mu;
        rstd[r] = rs;
    }

    /**
     * dx += rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dout * gamma, xhat = (x - mean) * rstd;
     * dgamma += column sums of dout * xhat, dbeta += column sums of dout (per-chunk partial sums, added
     * in chunk order: see {@link ColumnSums}).
     */
    static void backward(Parallel parallel, float[] dout, float[] x, float[] gamma, float[] mean, float[] rstd,
                         float[] dx, float[] dgamma, float[] dbeta, int rows, int cols) {
        int parts = parallel.parts(rows, grainRows(cols));
        ColumnSums[] dg = ColumnSums.create(parts, cols), db = ColumnSums.create(parts, cols);
        parallel.run(parts, p -> {
            float[] lanes = new float[VL];
            for (int r = Parallel.chunkStart(rows, parts, p), end = Parallel.chunkStart(rows, parts, p + 1); r < end; r++) {
                int o = r * cols;
                float mu = mean[r], rs = rstd[r];
                FloatVector gSum = FloatVector.zero(S), gxSum = FloatVector.zero(S);
                for (int c = 0; c < cols; c += VL) {
                    VectorMask<Float> m = VectorMath.tail(c, cols);
                    FloatVector d = VectorMath.load(dout, o + c, m);
                    FloatVector xhat = VectorMath.load(x, o + c, m).sub(mu).mul(rs);
                    FloatVector g = d.mul(VectorMath.load(gamma, c, m));
                    gSum = gSum.add(g);
                    gxSum = g.fma(xhat, gxSum);
                    dg[p].add(c, d.mul(xhat), m);
                    db[p].add(c, d, m);
                }
                dg[p].endRow();
                db[p].endRow();
                float gMean = (float) (VectorMath.sumLanes(gSum, lanes) / cols), gxMean = (float) (VectorMath.sumLanes(gxSum, lanes) / cols);
                for (int c = 0; c < cols; c += VL) {
                    VectorMask<Float> m = VectorMath.tail(c, cols);
                    FloatVector xhat = VectorMath.load(x, o + c, m).sub(mu).mul(rs);
                    FloatVector g = VectorMath.load(dout, o + c, m).mul(VectorMath.load(gamma, c, m));
                    FloatVector d = g.sub(gMean).sub(xhat.mul(gxMean)).mul(rs);
                    VectorMath.store(VectorMath.load(dx, o + c, m).add(d), dx, o + c, m);
                }
            }
        });
        ColumnSums.addTo(dg, dgamma);
        ColumnSums.addTo(db, dbeta);
    }
}
