package jbert.engine.cpu;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import jdk.incubator.vector.FloatVector;

import static jbert.engine.cpu.FastKernelsTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link PackedGemm} against {@link ReferenceKernels#matmul}: every transpose combination, batched,
 * alpha and beta, edge sizes around the micro-tile (MR x NR) and the K and M blocks (KC, MC), on every
 * thread count of {@link FastKernelsTest#FAST_BACKENDS} (this machine's plan); then every
 * {@link GemmPlan} a machine can choose or a test force ({@link #PLANS}) the same way, on 1, 2 and 3
 * threads.
 */
class PackedGemmTest {
    static final Backend FAST = CpuBackend.INSTANCE;
    static final Backend REF = CpuBackend.reference();

    /**
     * Each vector width this machine compiles x tiles covering every MR (1-8) and NV (1-2), including the
     * rule's 6 x 2 and 8 x 2, x two blockings: a machine-sized one, and a tiny one (KC 7, MC = 2 MR,
     * NC = 2 NR) that cuts even the small products below into several K, M and N blocks.
     */
    static final List<GemmPlan> PLANS = plans();

    static List<GemmPlan> plans() {
        List<GemmPlan> plans = new ArrayList<>();
        for (int bits : new int[]{128, 256, 512}) {
            if (bits > FloatVector.SPECIES_MAX.vectorBitSize()) continue;
            for (int[] tile : new int[][]{{1, 1}, {2, 2}, {3, 1}, {4, 2}, {5, 1}, {6, 2}, {7, 1}, {8, 1}, {8, 2}}) {
                int mr = tile[0], nv = tile[1], nr = nv * bits / 32;
                plans.add(new GemmPlan(bits, mr, nv, 256, 16 * mr, 64 * nr));
                plans.add(new GemmPlan(bits, mr, nv, 7, 2 * mr, 2 * nr));
            }
        }
        return plans;
    }

    /** M, N, K: tiny, odd, around MR=8 / NR=32 / KC=256 / MC=128 and past them. */
    static final int[][] SHAPES = {
            {1, 1, 1}, {3, 17, 33}, {17, 33, 3}, {8, 32, 256}, {33, 257, 17}, {9, 31, 257},
            {129, 65, 300}, {300, 40, 5}, {2, 600, 513},
    };

    static float[] product(Backend be, boolean tA, boolean tB, int batch, int M, int N, int K,
                           float alpha, float[] a, float[] b, float beta, float[] c) {
        Storage cs = be.upload(c.clone());
        be.matmul(tA, tB, batch, M, N, K, alpha, be.upload(a.clone()), be.upload(b.clone()), beta, cs);
        return be.download(cs);
    }

    @Test
    void matchesReferenceForAllTransposesBatchesAlphasAndBetas() {
        long seed = 100;
        for (int[] s : SHAPES) {
            int M = s[0], N = s[1], K = s[2];
            for (int batch : new int[]{1, 3}) {
                float[] a = random(seed++, batch * M * K, -1f, 1f), b = random(seed++, batch * K * N, -1f, 1f);
                float[] c = random(seed++, batch * M * N, -1f, 1f);
                for (int t = 0; t < 4; t++) {
                    boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
                    for (float[] ab : new float[][]{{1f, 0f}, {0.5f, 1f}, {-1.25f, -0.75f}}) {
                        String what = "matmul tA=" + tA + " tB=" + tB + " batch=" + batch + " M=" + M + " N=" + N
                                + " K=" + K + " alpha=" + ab[0] + " beta=" + ab[1];
                        float[] ref = product(REF, tA, tB, batch, M, N, K, ab[0], a, b, ab[1], c);
                        for (CpuBackend be : FastKernelsTest.FAST_BACKENDS) {
                            float[] fast = product(be, tA, tB, batch, M, N, K, ab[0], a, b, ab[1], c);
                            // float accumulation over K terms of size <= 1: error grows at most like K ulps
                            FastKernelsTest.assertClose(what + " on " + be.threads() + " threads", ref, fast,
                                    1e-6 * (K + 4), 1e-5);
                        }
                    }
                }
            }
        }
    }

    @Test
    void bertShapeMatchesReference() {
        int M = 64, N = 768, K = 768;
        float[] a = random(1, M * K, -1f, 1f), b = random(2, N * K, -1f, 1f), c = new float[M * N];
        float[] ref = product(REF, false, true, 1, M, N, K, 1f, a, b, 0f, c);
        for (CpuBackend be : FastKernelsTest.FAST_BACKENDS) {
            float[] fast = product(be, false, true, 1, M, N, K, 1f, a, b, 0f, c);
            FastKernelsTest.assertClose("matmul 64x768x768 on " + be.threads() + " threads", ref, fast, 1e-4, 1e-5);
        }
    }

    @Test
    void betaZeroDoesNotReadC() {
        int M = 5, N = 19, K = 7;
        float[] c = new float[M * N];
        java.util.Arrays.fill(c, Float.NaN);
        for (Backend be : new Backend[]{REF, FAST}) {
            float[] out = product(be, false, false, 1, M, N, K, 1f, random(3, M * K), random(4, K * N), 0f, c);
            for (float v : out) assertFalse(Float.isNaN(v), be + ": beta = 0 let a NaN of C through");
        }
    }

    @Test
    void zeroDepthScalesCByBeta() {
        int M = 3, N = 4;
        float[] c = random(5, M * N);
        float[] expected = new float[M * N];
        for (int i = 0; i < c.length; i++) expected[i] = 0.5f * c[i];
        assertArrayEquals(expected, product(FAST, false, false, 1, M, N, 0, 2f, new float[0], new float[0], 0.5f, c));
        assertArrayEquals(expected, product(REF, false, false, 1, M, N, 0, 2f, new float[0], new float[0], 0.5f, c));
    }

    /**
     * The product on any number of threads equals a one-thread product bit for bit: same K blocking per
     * element, whichever way the columns (first shape) or rows (second) are split.
     */
    @Test
    void resultDoesNotDependOnThreadSplit() {
        for (int[] s : new int[][]{{256, 768, 300}, {40, 8, 700}}) {
            int M = s[0], N = s[1], K = s[2];
            float[] a = random(6, M * K), b = random(7, K * N);
            for (int t = 0; t < 4; t++) {
                boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
                float[] serial = new float[M * N];
                PackedGemm.compile(GemmPlan.forThisMachine()).gemm(tA, tB, M, N, K, 1f, a, 0, b, 0, 0f, serial, 0, 0, M, 0, N);
                for (CpuBackend be : FastKernelsTest.FAST_BACKENDS) {
                    float[] threaded = product(be, tA, tB, 1, M, N, K, 1f, a, b, 0f, new float[M * N]);
                    assertArrayEquals(serial, threaded, be.threads() + " threads: tA=" + tA + " tB=" + tB
                            + " M=" + M + " N=" + N + " K=" + K);
                }
            }
        }
    }

    /**
     * Every plan of {@link #PLANS} against the reference at odd sizes, all four transposes, batched, on
     * one thread; and on two and three threads bit for bit equal to one (columns split in the third
     * shape, rows in the fourth: both are past the size a product is split at).
     */
    @Test
    void everyPlanMatchesReferenceAndDoesNotDependOnThreads() {
        int[][] shapes = {{1, 1, 1, 1}, {19, 101, 29, 3}, {40, 101, 80, 1}, {70, 9, 500, 1}};   // M, N, K, batch
        long seed = 200;
        for (int[] s : shapes) {
            int M = s[0], N = s[1], K = s[2], batch = s[3];
            float[] a = random(seed++, batch * M * K, -1f, 1f), b = random(seed++, batch * K * N, -1f, 1f);
            float[] c = random(seed++, batch * M * N, -1f, 1f);
            for (int t = 0; t < 4; t++) {
                boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
                float alpha = t % 2 == 0 ? 1f : 0.5f, beta = t % 2 == 0 ? 0f : -0.75f;
                float[] ref = product(REF, tA, tB, batch, M, N, K, alpha, a, b, beta, c);
                for (GemmPlan plan : PLANS) {
                    String what = plan.name() + " tA=" + tA + " tB=" + tB + " batch=" + batch + " M=" + M + " N=" + N + " K=" + K;
                    float[] one = product(CpuBackend.fast(1, plan), tA, tB, batch, M, N, K, alpha, a, b, beta, c);
                    // float accumulation over K terms of size <= 1: error grows at most like K ulps
                    FastKernelsTest.assertClose(what, ref, one, 1e-6 * (K + 4), 1e-5);
                    for (int threads = 2; threads <= 3; threads++) {
                        assertArrayEquals(one, product(CpuBackend.fast(threads, plan), tA, tB, batch, M, N, K, alpha, a, b, beta, c),
                                what + ": " + threads + " threads differ from one");
                    }
                }
            }
        }
    }

    @Test
    void aPlanWiderThanTheMachineIsAOneLineError() {
        GemmPlan wide = new GemmPlan(512, 8, 2, 256, 128, 1024);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PackedGemm.checkFits(wide, 256));
        assertEquals("GEMM plan v512-8x2-k256-m128-n1024: 512-bit vectors, but the widest this JVM compiles here are 256-bit",
                e.getMessage());
        PackedGemm.checkFits(wide, 512);
    }

    /** The reference itself: reading a transposed operand equals transposing it first. */
    @Test
    void referenceTransposeFlagsMatchExplicitTransposes() {
        int M = 4, N = 6, K = 5;
        float[] a = random(8, M * K), b = random(9, K * N);
        float[] aT = new float[K * M], bT = new float[N * K];
        for (int i = 0; i < M; i++) for (int k = 0; k < K; k++) aT[k * M + i] = a[i * K + k];
        for (int k = 0; k < K; k++) for (int j = 0; j < N; j++) bT[j * K + k] = b[k * N + j];
        float[] plain = new float[M * N], viaT = new float[M * N];
        ReferenceKernels.matmul(false, false, 1, M, N, K, 1f, a, b, 0f, plain);
        ReferenceKernels.matmul(true, true, 1, M, N, K, 1f, aT, bT, 0f, viaT);
        assertArrayEquals(plain, viaT);
        float[] expected00 = {0f};
        double dot = 0;
        for (int k = 0; k < K; k++) dot += (double) a[k] * b[k * N];
        expected00[0] = (float) dot;
        assertArrayEquals(expected00, new float[]{plain[0]});
    }
}
