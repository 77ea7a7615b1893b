package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;

/**
 * SGEMM on one thread, {@code C = alpha * op(A) @ op(B) + beta * C}, the way BLIS and GotoBLAS
 * structure it (Goto &amp; van de Geijn, "Anatomy of High-Performance Matrix Multiplication", TOMS 2008),
 * in the shape of one {@link GemmPlan}:
 *
 * <pre>
 * for jc in cols step NC:                   B block   op(B)[pc:pc+KC, jc:jc+NC] packed into NR-wide panels (L3)
 *   for pc in K step KC:
 *     for ic in M step MC:                  A block   op(A)[ic:ic+MC, pc:pc+KC] packed into MR-tall panels (L2)
 *       for jr in NC step NR:               B panel   KC x NR stays in L1 while ...
 *         for ir in MC step MR:             ... the micro-kernel sweeps the A panels past it
 *           C[ir:ir+MR, jr:jr+NR] (+)= Apanel @ Bpanel      MR x NR accumulators held in vector registers
 * </pre>
 *
 * Packing copies each block once into the exact order the micro-kernel reads it (k-major, MR or NR
 * values per k), so the inner loop streams two contiguous arrays whatever the transposes were; the
 * four transA/transB cases differ only in how the packers read. Edges are padded with zeros in the
 * packs and clipped when the tile is written back, so any M, N, K works. When C is narrow (at most
 * {@value #PACK_A_MIN_PANELS} NR panels, as in attention's per-head products), packing A costs about
 * as much as the product itself, so whole MR-row panels of A are then read in place (the micro-kernel
 * takes A's strides); measured on the Zen 5, +15-55% on those shapes.
 *
 * <p><b>One source, one compiled kernel per plan.</b> The Vector API compiles to vector instructions
 * only for a species C2 sees as a constant, and the register tile stays in registers only if its
 * accumulators are plain locals, with no loop over them left at run time. So the plan's numbers must be
 * compile-time constants here, yet differ per plan. {@link PackedGemm#compile} therefore loads this
 * class once per plan as a hidden class whose class data is the plan
 * ({@link MethodHandles.Lookup#defineHiddenClassWithClassData}); the static finals below are read from
 * it, and C2 folds static finals: each copy is compiled with its species, its MR and NV (the tile's
 * unused rows and vectors are dead branches) and its blocking as constants. This class is never used
 * as itself (its initialiser fails without class data).
 *
 * <p>Every C element is computed from the same K blocks in the same order whatever rows or columns of
 * C a call covers, so the result depends on the plan (its KC) but not on how threads split C.
 */
final class BlockedGemm implements GemmKernel {

    private static final GemmPlan PLAN = planOfThisCopy();
    private static final VectorSpecies<Float> S = VectorSpecies.of(float.class, VectorShape.forBitSize(PLAN.vectorBits()));
    /** Floats per vector. */
    private static final int VL = S.length();
    /** Rows of C per micro-tile, and vectors per tile row. */
    private static final int MR = PLAN.mr(), NV = PLAN.nv();
    /** Columns of C per micro-tile. */
    private static final int NR = NV * VL;
    private static final int KC = PLAN.kc(), MC = PLAN.mc(), NC = PLAN.nc();

    /** A is packed only when C's column block spans more than this many NR panels. */
    static final int PACK_A_MIN_PANELS = 4;

    /** Per thread: {packed A block, packed B block, the tile the micro-kernel writes to}. */
    private static final ThreadLocal<float[][]> WORKSPACE = new ThreadLocal<>();

    BlockedGemm() {}

    private static GemmPlan planOfThisCopy() {
        GemmPlan plan;
        try {
            plan = MethodHandles.classData(MethodHandles.lookup(), ConstantDescs.DEFAULT_NAME, GemmPlan.class);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("BlockedGemm: cannot read its plan", e);
        }
        if (plan == null) throw new IllegalStateException("BlockedGemm is loaded once per plan by PackedGemm.compile, never as itself");
        return plan;
    }

    @Override
    public GemmPlan plan() { return PLAN; }

    @Override
    public void gemm(boolean transA, boolean transB, int M, int N, int K, float alpha,
                     float[] A, int aOff, float[] B, int bOff, float beta, float[] C, int cOff,
                     int m0, int m1, int n0, int n1) {
        if (m1 <= m0 || n1 <= n0) return;
        if (K == 0) {
            for (int i = m0; i < m1; i++) {
                for (int j = n0; j < n1; j++) C[cOff + i * N + j] = beta == 0 ? 0f : beta * C[cOff + i * N + j];
            }
            return;
        }
        float[][] ws = workspace(Math.min(NC, n1 - n0));
        float[] ap = ws[0], bp = ws[1], tile = ws[2];
        // Element (row, k) of op(A) in place is at row * rowStride + k * kStride.
        int rowStride = transA ? 1 : K, kStride = transA ? M : 1;
        for (int jc = n0; jc < n1; jc += NC) {
            int jcEnd = Math.min(n1, jc + NC);
            int nc = jcEnd - jc;
            for (int pc = 0; pc < K; pc += KC) {
                int kc = Math.min(KC, K - pc);
                // The first K block applies beta; the later ones add to what the earlier ones wrote.
                float betaHere = pc == 0 ? beta : 1f;
                packB(transB, B, bOff, N, K, pc, kc, jc, jcEnd, bp);
                for (int ic = m0; ic < m1; ic += MC) {
                    int mc = Math.min(MC, m1 - ic);
                    // Packing A pays when many B panels reuse it; for a narrow C (attention's per-head
                    // products) the micro-kernel reads whole MR-row panels of A in place instead.
                    int inPlaceRows = nc > PACK_A_MIN_PANELS * NR ? 0 : mc / MR * MR;
                    if (inPlaceRows < mc) packA(transA, A, aOff, M, K, ic + inPlaceRows, mc - inPlaceRows, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int bo = jr * kc;                       // panel jr/NR starts at (jr/NR) * NR * kc
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            if (ir < inPlaceRows) {
                                int ao = aOff + (ic + ir) * rowStride + pc * kStride;
                                microKernel(A, ao, rowStride, kStride, bp, bo, kc, tile);
                            } else {
                                microKernel(ap, (ir - inPlaceRows) * kc, 1, MR, bp, bo, kc, tile);
                            }
                            writeTile(tile, mr, nr, alpha, betaHere, C, cOff + (ic + ir) * N + jc + jr, N);
                        }
                    }
                }
            }
        }
    }

    /** This thread's buffers, the B block grown to hold {@code columns} columns (in whole panels). */
    private static float[][] workspace(int columns) {
        int packedB = (columns + NR - 1) / NR * NR * KC;
        float[][] ws = WORKSPACE.get();
        if (ws == null) {
            ws = new float[][]{new float[MC * KC], new float[packedB], new float[MR * NR]};
            WORKSPACE.set(ws);
        } else if (ws[1].length < packedB) {
            ws[1] = new float[packedB];
        }
        return ws;
    }

    /**
     * Packs op(A)[ic:ic+mc, pc:pc+kc] as MR-row panels: panel p holds, for k = 0..kc-1, the MR values
     * op(A)[ic+p*MR+i, pc+k] for i = 0..MR-1 (rows past ic+mc are zeros).
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
     * tile[MR x NR] = Apanel @ Bpanel over kc: the register-blocked inner loop. Accumulator c{i}{v} is
     * row i, vector v of the tile; the kernel is written for the largest tile, {@value GemmPlan#MAX_MR}
     * rows x {@value GemmPlan#MAX_NV} vectors, and each row or vector past the plan's MR or NV is a
     * branch on a constant that C2 removes, with its accumulator. Per k it loads NV vectors of B,
     * broadcasts MR values of A and issues MR x NV fused multiply-adds. A's element (i, k) is read at
     * {@code ao + i * rowStride + k * kStride}: (1, MR) for a packed panel, the matrix's own strides
     * when read in place; B's panel is always packed (NR contiguous values per k).
     */
    private static void microKernel(float[] a, int ao, int rowStride, int kStride, float[] bp, int bo, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        int r1 = rowStride, r2 = 2 * rowStride, r3 = 3 * rowStride, r4 = 4 * rowStride;
        int r5 = 5 * rowStride, r6 = 6 * rowStride, r7 = 7 * rowStride;
        for (int k = 0; k < kc; k++) {
            int ak = ao + k * kStride, bk = bo + k * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bk);
            FloatVector b1 = NV > 1 ? FloatVector.fromArray(S, bp, bk + VL) : z;
            FloatVector x;
            x = FloatVector.broadcast(S, a[ak]);                    c00 = x.fma(b0, c00); if (NV > 1) c01 = x.fma(b1, c01);
            if (MR > 1) { x = FloatVector.broadcast(S, a[ak + r1]); c10 = x.fma(b0, c10); if (NV > 1) c11 = x.fma(b1, c11); }
            if (MR > 2) { x = FloatVector.broadcast(S, a[ak + r2]); c20 = x.fma(b0, c20); if (NV > 1) c21 = x.fma(b1, c21); }
            if (MR > 3) { x = FloatVector.broadcast(S, a[ak + r3]); c30 = x.fma(b0, c30); if (NV > 1) c31 = x.fma(b1, c31); }
            if (MR > 4) { x = FloatVector.broadcast(S, a[ak + r4]); c40 = x.fma(b0, c40); if (NV > 1) c41 = x.fma(b1, c41); }
            if (MR > 5) { x = FloatVector.broadcast(S, a[ak + r5]); c50 = x.fma(b0, c50); if (NV > 1) c51 = x.fma(b1, c51); }
            if (MR > 6) { x = FloatVector.broadcast(S, a[ak + r6]); c60 = x.fma(b0, c60); if (NV > 1) c61 = x.fma(b1, c61); }
            if (MR > 7) { x = FloatVector.broadcast(S, a[ak + r7]); c70 = x.fma(b0, c70); if (NV > 1) c71 = x.fma(b1, c71); }
        }
        storeRow(tile, 0, c00, c01);
        if (MR > 1) storeRow(tile, 1, c10, c11);
        if (MR > 2) storeRow(tile, 2, c20, c21);
        if (MR > 3) storeRow(tile, 3, c30, c31);
        if (MR > 4) storeRow(tile, 4, c40, c41);
        if (MR > 5) storeRow(tile, 5, c50, c51);
        if (MR > 6) storeRow(tile, 6, c60, c61);
        if (MR > 7) storeRow(tile, 7, c70, c71);
    }

    /** Row i of the tile: its NV accumulators, at i * NR. */
    private static void storeRow(float[] tile, int i, FloatVector v0, FloatVector v1) {
        v0.intoArray(tile, i * NR);
        if (NV > 1) v1.intoArray(tile, i * NR + VL);
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
