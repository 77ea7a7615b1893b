package jbert.kernels.gemm;

import jbert.engine.Storage;
import jbert.kernels.driver.CudaDevice;
import jbert.kernels.driver.ForeignLaunch;
import jbert.kernels.graphs.StepGraphs;
import jbert.kernels.memory.CudaStorage;

import static jbert.kernels.memory.ArgumentChecks.in;

/**
 * {@code Backend.matmul} on the device: the operands checked on the host, then the chosen {@link Gemm}
 * on the backend's stream. jbert's own GEMM is kernels like any other (the step graphs re-argue
 * them); a cuBLAS call inside a captured or replayed step goes to the step graphs whole, identified
 * by all of its arguments ({@link StepGraphs#opaque}).
 */
public final class Matmuls {
    private final Gemm gemm;
    private final CudaDevice device;
    /** With graphs: the step graphs that hold cuBLAS calls; null without. */
    private final StepGraphs stepGraphs;

    /** Queues {@code gemm}'s products on the device's stream. */
    public Matmuls(Gemm gemm, CudaDevice device, StepGraphs stepGraphs) {
        this.gemm = gemm;
        this.device = device;
        this.stepGraphs = stepGraphs;
        gemm.setStream(device.stream());
    }

    /** Whether matrix products go to cuBLAS (through JCublas or java.lang.foreign) rather than jbert's own kernels. */
    public boolean usesCublas() { return !(gemm instanceof TiledGemm); }

    public String describe() { return gemm.describe(); }

    public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, Storage A, Storage B, float beta, Storage C) {
        if (batch < 0 || M < 0 || N < 0 || K < 0) {
            throw new IllegalArgumentException("matmul: negative size batch=" + batch + " M=" + M + " N=" + N + " K=" + K);
        }
        CudaStorage a = in(A, (long) batch * M * K, "matmul", "A"), b = in(B, (long) batch * K * N, "matmul", "B");
        CudaStorage c = in(C, (long) batch * M * N, "matmul", "C");
        device.bind();
        if (stepGraphs == null || gemm instanceof TiledGemm) {   // jbert's own GEMM: kernels like any other
            gemm.matmul(transA, transB, batch, M, N, K, alpha, a.ptr(), b.ptr(), beta, c.ptr());
        } else {
            stepGraphs.opaque(new GemmCall(transA, transB, batch, M, N, K, alpha, ForeignLaunch.address(a.ptr()),
                    ForeignLaunch.address(b.ptr()), beta, ForeignLaunch.address(c.ptr())),
                    () -> gemm.matmul(transA, transB, batch, M, N, K, alpha, a.ptr(), b.ptr(), beta, c.ptr()));
        }
    }

    /** A cuBLAS call as a replayed step must repeat it: every argument, operands by address. */
    private record GemmCall(boolean transA, boolean transB, int batch, int M, int N, int K, float alpha,
                            long A, long B, float beta, long C) {}
}
