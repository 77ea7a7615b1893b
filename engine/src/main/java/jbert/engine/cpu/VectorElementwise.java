package jbert.engine.cpu;

import jbert.engine.Rng;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The memory-bound kernels (adds, bias, embedding, dropout, head permutes) as float-vector loops over
 * chunks split across threads. Each has the {@link ReferenceKernels} method of the same name as its
 * reference.
 */
final class VectorElementwise {
    private VectorElementwise() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Least elements per thread: below this a hand-off costs more than the loop. */
    private static final int GRAIN = 1 << 15;

    private static int grainRows(int cols) { return Math.max(1, GRAIN / Math.max(cols, 1)); }

    static void add(Parallel parallel, float[] a, float[] b, float[] out, int n) {
        parallel.forRange(n, GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i += VL) {
                VectorMask<Float> m = VectorMath.tail(i, hi);
                VectorMath.store(VectorMath.load(a, i, m).add(VectorMath.load(b, i, m)), out, i, m);
            }
        });
    }

    static void axpy(Parallel parallel, float alpha, float[] x, float[] y, int n) {
        parallel.forRange(n, GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i += VL) {
                VectorMask<Float> m = VectorMath.tail(i, hi);
                VectorMath.store(VectorMath.load(x, i, m).mul(alpha).add(VectorMath.load(y, i, m)), y, i, m);
            }
        });
    }

    static void scale(Parallel parallel, float alpha, float[] x, float[] out, int n) {
        parallel.forRange(n, GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i += VL) {
                VectorMask<Float> m = VectorMath.tail(i, hi);
                VectorMath.store(VectorMath.load(x, i, m).mul(alpha), out, i, m);
            }
        });
    }

    static void biasForward(Parallel parallel, float[] x, float[] bias, float[] out, int rows, int cols) {
        parallel.forRange(rows, grainRows(cols), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                for (int c = 0; c < cols; c += VL) {
                    VectorMask<Float> m = VectorMath.tail(c, cols);
                    VectorMath.store(VectorMath.load(x, o + c, m).add(VectorMath.load(bias, c, m)), out, o + c, m);
                }
            }
        });
    }

    /** dbias += column sums of dout, by per-chunk {@link ColumnSums}. */
    static void biasBackward(Parallel parallel, float[] dout, float[] dbias, int rows, int cols) {
        int parts = parallel.parts(rows, grainRows(cols));
        ColumnSums[] sums = ColumnSums.create(parts, cols);
        parallel.run(parts, p -> {
            for (int r = Parallel.chunkStart(rows, parts, p), end = Parallel.chunkStart(rows, parts, p + 1); r < end; r++) {
                for (int c = 0; c < cols; c += VL) {
                    VectorMask<Float> m = VectorMath.tail(c, cols);
                    sums[p].add(c, VectorMath.load(dout, r * cols + c, m), m);
                }
                sums[p].endRow();
            }
        });
        ColumnSums.addTo(sums, dbias);
    }

    static void embeddingForward(Parallel parallel, int[] ids, float[] table, int V, float[] out, int n, int H) {
        ReferenceKernels.checkIds(ids, n, V, "embeddingForward");
        parallel.forRange(n, grainRows(H), (r0, r1) -> {
            for (int i = r0; i < r1; i++) System.arraycopy(table, ids[i] * H, out, i * H, H);
        });
    }

    /**
     * dtable[ids[i], :] += dout[i, :]. Threads split the H columns, not the rows: a token id repeated in
     * the batch then never has two threads adding to one row, and each element sums in row order.
     */
    static void embeddingBackward(Parallel parallel, int[] ids, float[] dout, float[] dtable, int V, int n, int H) {
        ReferenceKernels.checkIds(ids, n, V, "embeddingBackward", true);
        int vectors = (H + VL - 1) / VL;
        int parts = parallel.parts(vectors, Math.max(1, GRAIN / VL / Math.max(n, 1)));
        parallel.run(parts, p -> {
            int c0 = Math.min(H, Parallel.chunkStart(vectors, parts, p) * VL);
            int c1 = Math.min(H, Parallel.chunkStart(vectors, parts, p + 1) * VL);
            for (int i = 0; i < n; i++) {
                if (ids[i] < 0) continue; // a padding position (padding_idx): no gradient, as the reference kernel
                int src = i * H, dst = ids[i] * H;
                for (int c = c0; c < c1; c += VL) {
                    VectorMask<Float> m = VectorMath.tail(c, c1);
                    VectorMath.store(VectorMath.load(dtable, dst + c, m).add(VectorMath.load(dout, src + c, m)), dtable, dst + c, m);
                }
            }
        });
    }

    /**
     * Dropout with the counter-based {@link Rng}: element i's draw depends on (seed, i) only, so any
     * split of the range across threads drops the same elements. Scalar: the 64-bit hash per element
     * is the cost, and threads are what speeds it up.
     */
    static void dropoutForward(Parallel parallel, float[] x, float[] out, int n, float p, long seed) {
        float s = ReferenceKernels.dropoutScale(p);
        parallel.forRange(n, GRAIN / 4, (lo, hi) -> {
            for (int i = lo; i < hi; i++) out[i] = Rng.uniform(seed, i) >= p ? x[i] * s : 0f;
        });
    }

    static void dropoutBackward(Parallel parallel, float[] dout, float[] dx, int n, float p, long seed) {
        float s = ReferenceKernels.dropoutScale(p);
        parallel.forRange(n, GRAIN / 4, (lo, hi) -> {
            for (int i = lo; i < hi; i++) if (Rng.uniform(seed, i) >= p) dx[i] += dout[i] * s;
        });
    }

    /** x [A, B, C, D] to out [A, C, B, D] (+= with accumulate), D-long runs copied or added whole. */
    static void permute0213(Parallel parallel, float[] x, float[] out, int A, int B, int C, int D, boolean accumulate) {
        int runs = A * B * C;
        parallel.forRange(runs, grainRows(D), (lo, hi) -> {
            for (int run = lo; run < hi; run++) {
                int c = run % C, b = run / C % B, a = run / (B * C);
                int src = run * D;                        // ((a*B + b)*C + c)*D
                int dst = ((a * C + c) * B + b) * D;
                if (!accumulate) {
                    System.arraycopy(x, src, out, dst, D);
                    continue;
                }
                for (int d = 0; d < D; d += VL) {
                    VectorMask<Float> m = VectorMath.tail(d, D);
                    VectorMath.store(VectorMath.load(out, dst + d, m).add(VectorMath.load(x, src + d, m)), out, dst + d, m);
                }
            }
        });
    }
}
