package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGEMM, {@code C = alpha * op(A) @ op(B) + beta * C}, the way BLIS and GotoBLAS structure it
 * (Goto &amp; van de Geijn, "Anatomy of High-Performance Matrix Multiplication", TOMS 2008):
 *
 * <pre>
 * for pc in K step KC:                      B block   op(B)[pc:pc+KC, cols]  packed into NR-wide panels (L2)
 *   for ic in M step MC:                    A block   op(A)[ic:ic+MC, pc:pc+KC] packed into MR-tall panels (L2)
 *     for jr in cols step NR:               B panel   KC x NR stays in L1 while ...
 *       for ir in MC step MR:               ... the micro-kernel sweeps the A panels past it
 *         C[ir:ir+MR, jr:jr+NR] (+)= Apanel @ Bpanel      MR x NR accumulators held in vector registers
 * </pre>
 *
 * Packing copies each block once into the exact order the micro-kernel reads it (k-major, MR or NR
 * values per k), so the inner loop streams two contiguous arrays whatever the transposes were; the
 * four transA/transB cases differ only in how the packers read. Edges are padded with zeros in the
 * packs and clipped when the tile is written back, so any M, N, K works. When C is narrow (at most
 * {@value #PACK_A_MIN_PANELS} NR panels, as in attention's per-head products), packing A costs about
 * as much as the product itself, so whole MR-row panels of A are then read in place (the micro-kernel
 * takes A's strides); measured on this machine, +15-55% on those shapes.
 *
 * <p>The micro-kernel holds an {@value #MR} x (2 vectors) tile of C in 2*{@value #MR} vector
 * registers; per k it loads 2 vectors of B, broadcasts {@value #MR} values of A, and issues
 * 2*{@value #MR} fused multiply-adds. With 512-bit vectors (AVX-512) that is 8 x 32.
 *
 * <p>Threads split C's columns (in whole NR panels; rows when C is too narrow), each thread packing
 * its own blocks: every C element is computed by one thread with the same K-blocking, so the result
 * is bitwise independent of the thread count. Batched products split the batch instead.
 */
final class PackedGemm {
    private PackedGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Rows of C per micro-tile. */
    static final int MR = 8;
    /** Columns of C per micro-tile: two vectors. */
    static final int NR = 2 * VL;
    /** Depth of a packed block: a KC x NR B panel (32 KB with AVX-512) fits the 48 KB L1. */
    static final int KC = 256;
    /** Rows of an A block: MC x KC floats (128 KB) stay in L2 while all B panels pass. */
    static final int MC = 128;

    /** A is packed only when C's column block spans more than this many NR panels. */
    static final int PACK_A_MIN_PANELS = 4;

    /** Below this many multiply-adds a product runs on one thread: the hand-off would cost more. */
    private static final long PARALLEL_MIN_FMAS = 1L << 18;

    /** Per-thread packing buffers and the tile the micro-kernel writes to. */
    private static final class Workspace {
        final float[] packedA = new float[MC * KC];
        float[] packedB = new float[0];
        final float[] tile = new float[MR * NR];

        float[] packedB(int n) {
            if (packedB.length < n) packedB = new float[n];
            return packedB;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** The {@link jbert.engine.Backend#matmul} contract, batched. */
    static void matmul(Parallel parallel, boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, float[] A, float[] B, float beta, float[] C) {
        if (batch == 0 || M == 0 || N == 0) return;
        long fmas = (long) M * N * Math.max(K, 1);
        int threads = parallel.threads();
        if (batch >= threads && (long) batch * fmas >= PARALLEL_MIN_FMAS) {
            // Independent products: whole batch items per thread.
            parallel.forRange(batch, 1, (lo, hi) -> {
                for (int b = lo; b < hi; b++) {
                    gemm(transA, transB, M, N, K, alpha, A, b * M * K, B, b * K * N, beta, C, b * M * N, 0, M, 0, N);
                }
            });
            return;
        }
        for (int b = 0; b < batch; b++) {
            int aOff = b * M * K, bOff = b * K * N, cOff = b * M * N;
            int panels = (N + NR - 1) / NR;
            int parts = fmas < PARALLEL_MIN_FMAS ? 1 : Math.min(threads, Math.max(panels, (M + MR - 1) / MR));
            if (parts <= 1) {
                gemm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff, 0, M, 0, N);
            } else if (panels >= parts) {
                // Split columns in whole panels: each thread packs only its share of B.
                parallel.run(parts, p -> {
                    int n0 = Math.min(N, Parallel.chunkStart(panels, parts, p) * NR);
                    int n1 = Math.min(N, Parallel.chunkStart(panels, parts, p + 1) * NR);
                    gemm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff, 0, M, n0, n1);
                });
            } else {
                int rowPanels = (M + MR - 1) / MR;
                parallel.run(parts, p -> {
                    int m0 = Math.min(M, Parallel.chunkStart(rowPanels, parts, p) * MR);
                    int m1 = Math.min(M, Parallel.chunkStart(rowPanels, parts, p + 1) * MR);
                    gemm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff, m0, m1, 0, N);
                });
            }
        }
    }

    /**
     * One product restricted to C[m0:m1, n0:n1], on the calling thread. A is op(A) [M, K] stored from
     * aOff ([K, M] if transA), B is op(B) [K, N] stored from bOff ([N, K] if transB), C [M, N] from cOff.
     */
    static void gemm(boolean transA, boolean transB, int M, int N, int K, float alpha,
                     float[] A, int aOff, float[] B, int bOff, float beta, float[] C, int cOff,
                     int m0, int m1, int n0, int n1) {
        if (m1 <= m0 || n1 <= n0) return;
        if (K == 0) {
            for (int i = m0; i < m1; i++) {
                for (int j = n0; j < n1; j++) C[cOff + i * N + j] = beta == 0 ? 0f : beta * C[cOff + i * N + j];
            }
            return;
        }
        Workspace ws = WORKSPACE.get();
        int nc = n1 - n0;
        int ncPadded = (nc + NR - 1) / NR * NR;
        float[] bp = ws.packedB(ncPadded * KC);
        float[] ap = ws.packedA;
        float[] tile = ws.tile;
        for (int pc = 0; pc < K; pc += KC) {
            int kc = Math.min(KC, K - pc);
            // The first K block applies beta; the later ones add to what the earlier ones wrote.
            float betaHere = pc == 0 ? beta : 1f;
            packB(transB, B, bOff, N, K, pc, kc, n0, n1, bp);
            for (int ic = m0; ic < m1; ic += MC) {
                int mc = Math.min(MC, m1 - ic);
                // Packing A pays when many B panels reuse it; for a narrow C (attention's per-head
                // products) the micro-kernel reads whole MR-row panels of A in place instead.
                int inPlaceRows = nc > PACK_A_MIN_PANELS * NR ? 0 : mc / MR * MR;
                if (inPlaceRows < mc) packA(transA, A, aOff, M, K, ic + inPlaceRows, mc - inPlaceRows, pc, kc, ap);
                // Element (row, k) of op(A) in place is at row * rowStride + k * kStride.
                int rowStride = transA ? 1 : K, kStride = transA ? M : 1;
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = Math.min(NR, nc - jr);
                    int bo = jr * kc;                       // panel jr/NR starts at (jr/NR) * NR * kc
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir);
                        if (ir < inPlaceRows) {
                            int row = ic + ir;
                            int ao = aOff + row * rowStride + pc * kStride;
                            microKernel(A, ao, rowStride, kStride, bp, bo, kc, tile);
                        } else {
                            microKernel(ap, (ir - inPlaceRows) * kc, 1, MR, bp, bo, kc, tile);
                        }
                        writeTile(tile, mr, nr, alpha, betaHere, C, cOff + (ic + ir) * N + n0 + jr, N);
                    }
                }
            }
        }
    }

    /**
     * Packs op(A)[ic:ic+mc, pc:pc+kc] as MR-row panels: panel p holds, for k = 0..kc-1, the MR values
     * op(A)[ic+p*MR+i, pc+k] for i = 0..MR-1 (rows past M are zeros).
     */
    private static void packA(boolean transA, float[] A, int aOff, int M, int K, int ic, int mc, int pc, int kc, float[] ap) {
        for (int p = 0; p < mc; p += MR) {
            int base = p * kc;
            for (int i = 0; i < MR; i++) {
                int row = ic + p + i;
                if (row >= ic + mc) {
                    for (int k = 0; k < kc; k++) ap[base + k * MR + i] = 0f;
                } else if (transA) {
                    // A stored [K, M]: op(A)[row, k] = A[k, row].
                    for (int k = 0; k < kc; k++) ap[base + k * MR + i] = A[aOff + (pc + k) * M + row];
                } else {
                    int src = aOff + row * K + pc;
                    for (int k = 0; k < kc; k++) ap[base + k * MR + i] = A[src + k];
                }
            }
        }
    }

    /**
     * Packs op(B)[pc:pc+kc, n0:n1] as NR-column panels: panel q holds, for k = 0..kc-1, the NR values
     * op(B)[pc+k, n0+q*NR+j] for j = 0..NR-1 (columns past n1 are zeros).
     */
    private static void packB(boolean transB, float[] B, int bOff, int N, int K, int pc, int kc, int n0, int n1, float[] bp) {
        for (int q = n0; q < n1; q += NR) {
            int base = (q - n0) * kc;
            int nr = Math.min(NR, n1 - q);
            if (transB) {
                // B stored [N, K]: op(B)[k, col] = B[col, k].
                for (int j = 0; j < NR; j++) {
                    if (j < nr) {
                        int src = bOff + (q + j) * K + pc;
                        for (int k = 0; k < kc; k++) bp[base + k * NR + j] = B[src + k];
                    } else {
                        for (int k = 0; k < kc; k++) bp[base + k * NR + j] = 0f;
                    }
                }
            } else {
                for (int k = 0; k < kc; k++) {
                    int src = bOff + (pc + k) * N + q;
                    int dst = base + k * NR;
                    for (int j = 0; j < NR; j += VL) {
                        // Plain loads for full vectors: a masked load, even an all-true one, takes a slow,
                        // non-intrinsified path here (JFR: AbstractMask.checkIndex0, bench/RESULTS.md).
                        if (j + VL <= nr) {
                            FloatVector.fromArray(S, B, src + j).intoArray(bp, dst + j);
                        } else {
                            FloatVector.fromArray(S, B, src + j, S.indexInRange(j, nr)).intoArray(bp, dst + j);
                        }
                    }
                }
            }
        }
    }

    /**
     * tile[MR x NR] = Apanel @ Bpanel over kc: the register-blocked inner loop. Each of the 16
     * accumulators c{i}{v} is row i, vector v of the tile. A's element (i, k) is read at
     * {@code ao + i * rowStride + k * kStride}: (1, MR) for a packed panel, the matrix's own strides
     * when read in place; B's panel is always packed (NR contiguous values per k).
     */
    private static void microKernel(float[] a, int ao, int rowStride, int kStride, float[] bp, int bo, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int r1 = rowStride, r2 = 2 * rowStride, r3 = 3 * rowStride, r4 = 4 * rowStride;
        int r5 = 5 * rowStride, r6 = 6 * rowStride, r7 = 7 * rowStride;
        for (int k = 0; k < kc; k++) {
            int ak = ao + k * kStride, bk = bo + k * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bk);
            FloatVector b1 = FloatVector.fromArray(S, bp, bk + VL);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ak]);      c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ak + r1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ak + r2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ak + r3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ak + r4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ak + r5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ak + r6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ak + r7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(tile, 0);          c01.intoArray(tile, VL);
        c10.intoArray(tile, NR);         c11.intoArray(tile, NR + VL);
        c20.intoArray(tile, 2 * NR);     c21.intoArray(tile, 2 * NR + VL);
        c30.intoArray(tile, 3 * NR);     c31.intoArray(tile, 3 * NR + VL);
        c40.intoArray(tile, 4 * NR);     c41.intoArray(tile, 4 * NR + VL);
        c50.intoArray(tile, 5 * NR);     c51.intoArray(tile, 5 * NR + VL);
        c60.intoArray(tile, 6 * NR);     c61.intoArray(tile, 6 * NR + VL);
        c70.intoArray(tile, 7 * NR);     c71.intoArray(tile, 7 * NR + VL);
    }

    /**
     * C[0:mr, 0:nr] (from c0, row stride ldc) = alpha * tile + beta * C; with beta = 0, C is not read
     * (BLAS semantics: stale NaNs in an output buffer do not leak in).
     */
    private static void writeTile(float[] tile, int mr, int nr, float alpha, float beta, float[] C, int c0, int ldc) {
        for (int i = 0; i < mr; i++) {
            int c = c0 + i * ldc;
            for (int j = 0; j < nr; j += VL) {
                FloatVector t = FloatVector.fromArray(S, tile, i * NR + j).mul(alpha);
                if (j + VL <= nr) {
                    if (beta != 0) t = FloatVector.fromArray(S, C, c + j).fma(FloatVector.broadcast(S, beta), t);
                    t.intoArray(C, c + j);
                } else {
                    VectorMask<Float> m = S.indexInRange(j, nr);
                    if (beta != 0) t = FloatVector.fromArray(S, C, c + j, m).fma(FloatVector.broadcast(S, beta), t);
                    t.intoArray(C, c + j, m);
                }
            }
        }
    }
}
