package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Column sums over many rows (bias and LayerNorm parameter gradients), accurate and deterministic.
 * Rows are added in float vectors for at most {@value #FLUSH_ROWS} rows at a time, then the block is
 * folded into a double total: a float sum of 64 terms loses at most ~64 ulps, and the double total
 * keeps that from growing with the row count (4096 rows for B=32, T=128).
 *
 * <p>Each chunk of rows (see {@link Parallel}) owns one ColumnSums; {@link #addTo} then adds the
 * chunks' totals in chunk order, so the result depends only on the thread count, never on timing.
 */
final class ColumnSums {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int FLUSH_ROWS = 64;

    /** The current block's float sums (kernels add into it directly). */
    final float[] block;
    private final double[] total;
    private int rows;

    ColumnSums(int cols) {
        block = new float[cols];
        total = new double[cols];
    }

    /** block[c : c+VL) += v under mask m. */
    void add(int c, FloatVector v, VectorMask<Float> m) {
        VectorMath.store(VectorMath.load(block, c, m).add(v), block, c, m);
    }

    /** Marks the end of a row; folds the block into the double totals every FLUSH_ROWS rows. */
    void endRow() {
        if (++rows == FLUSH_ROWS) flush();
    }

    private void flush() {
        for (int c = 0; c < block.length; c++) {
            total[c] += block[c];
            block[c] = 0f;
        }
        rows = 0;
    }

    /** out[c] += sum over parts of their totals, in part order. */
    static void addTo(ColumnSums[] parts, float[] out) {
        for (ColumnSums p : parts) p.flush();
        for (int c = 0; c < parts[0].total.length; c++) {
            double s = 0;
            for (ColumnSums p : parts) s += p.total[c];
            out[c] += (float) s;
        }
    }

    static ColumnSums[] create(int parts, int cols) {
        ColumnSums[] a = new ColumnSums[parts];
        for (int p = 0; p < parts; p++) a[p] = new ColumnSums(cols);
        return a;
    }
}
