package jbert.engine.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ConcurrentHashMap;

import jdk.incubator.vector.FloatVector;

/**
 * SGEMM, {@code C = alpha * op(A) @ op(B) + beta * C}, batched, on a {@link Parallel} pool: this class
 * splits the work across threads and hands each share to the single-thread blocked product
 * ({@link BlockedGemm}: packing, cache blocking, the register-tiled micro-kernel) compiled for the
 * backend's {@link GemmPlan} ({@link #compile}).
 *
 * <p>Threads split C's columns (in whole NR panels; rows, in whole MR panels, when C is too narrow),
 * each thread packing its own blocks: every C element is computed by one thread with the same
 * K-blocking, so for a given plan the result is bitwise independent of the thread count. Batched
 * products split the batch instead.
 */
final class PackedGemm {
    private PackedGemm() {}

    /** Below this many multiply-adds a product runs on one thread: the hand-off would cost more. */
    private static final long PARALLEL_MIN_FMAS = 1L << 18;

    /** The kernels compiled so far, one per plan (each a hidden class: its code is kept while the JVM runs). */
    private static final ConcurrentHashMap<GemmPlan, GemmKernel> COMPILED = new ConcurrentHashMap<>();

    /**
     * The blocked product for {@code plan}: {@link BlockedGemm}'s code loaded as a hidden class whose
     * class data is the plan (why: that class's comment), made on the first call for the plan and the
     * same object on every later one. A plan wider than the vectors the JIT compiles here is a one-line
     * error naming it.
     */
    static GemmKernel compile(GemmPlan plan) {
        checkFits(plan, FloatVector.SPECIES_MAX.vectorBitSize());
        return COMPILED.computeIfAbsent(plan, PackedGemm::define);
    }

    /** Throws, in one line, unless the plan's vectors are at most {@code widestBits} wide. */
    static void checkFits(GemmPlan plan, int widestBits) {
        if (plan.vectorBits() > widestBits) {
            throw new IllegalArgumentException("GEMM plan " + plan.name() + ": " + plan.vectorBits()
                    + "-bit vectors, but the widest this JVM compiles here are " + widestBits + "-bit");
        }
    }

    private static GemmKernel define(GemmPlan plan) {
        try (InputStream in = BlockedGemm.class.getResourceAsStream("BlockedGemm.class")) {
            if (in == null) throw new IOException("BlockedGemm.class is not on the class path");
            MethodHandles.Lookup copy = MethodHandles.lookup().defineHiddenClassWithClassData(in.readAllBytes(), plan, true);
            return (GemmKernel) copy.findConstructor(copy.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (Throwable e) {
            throw new IllegalStateException("GEMM plan " + plan.name() + ": cannot load its kernel (" + e + ")", e);
        }
    }

    /** The {@link jbert.engine.Backend#matmul} contract, batched. */
    static void matmul(Parallel parallel, GemmKernel kernel, boolean transA, boolean transB, int batch,
                       int M, int N, int K, float alpha, float[] A, float[] B, float beta, float[] C) {
        if (batch == 0 || M == 0 || N == 0) return;
        int MR = kernel.plan().mr(), NR = kernel.plan().nr();
        long fmas = (long) M * N * Math.max(K, 1);
        int threads = parallel.threads();
        if (batch >= threads && (long) batch * fmas >= PARALLEL_MIN_FMAS) {
            // Independent products: whole batch items per thread.
            parallel.forRange(batch, 1, (lo, hi) -> {
                for (int b = lo; b < hi; b++) {
                    kernel.gemm(transA, transB, M, N, K, alpha, A, b * M * K, B, b * K * N, beta, C, b * M * N, 0, M, 0, N);
                }
            });
            return;
        }
        for (int b = 0; b < batch; b++) {
            int aOff = b * M * K, bOff = b * K * N, cOff = b * M * N;
            int panels = (N + NR - 1) / NR;
            int parts = fmas < PARALLEL_MIN_FMAS ? 1 : Math.min(threads, Math.max(panels, (M + MR - 1) / MR));
            if (parts <= 1) {
                kernel.gemm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff, 0, M, 0, N);
            } else if (panels >= parts) {
                // Split columns in whole panels: each thread packs only its share of B.
                parallel.run(parts, p -> {
                    int n0 = Math.min(N, Parallel.chunkStart(panels, parts, p) * NR);
                    int n1 = Math.min(N, Parallel.chunkStart(panels, parts, p + 1) * NR);
                    kernel.gemm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff, 0, M, n0, n1);
                });
            } else {
                int rowPanels = (M + MR - 1) / MR;
                parallel.run(parts, p -> {
                    int m0 = Math.min(M, Parallel.chunkStart(rowPanels, parts, p) * MR);
                    int m1 = Math.min(M, Parallel.chunkStart(rowPanels, parts, p + 1) * MR);
                    kernel.gemm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff, m0, m1, 0, N);
                });
            }
        }
    }
}
