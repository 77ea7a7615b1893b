package jbert.kernels.gemm;

import jbert.kernels.driver.CudaDevice;
import jbert.kernels.driver.Grids;
import jbert.kernels.driver.Kernel;
import jbert.kernels.driver.KernelModules;
import jbert.kernels.memory.CudaMemory;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * jbert's own GEMM, used where cuBLAS for CUDA 12 is missing: {@code Matmul.cu} (128x128 tiles, 8x8
 * outputs per thread, fp32 FMA) or, with TF32 on an sm_80+ card, {@code MatmulTf32.cu} (the same
 * tiles on tensor cores, mma.sync m16n8k8). The float4 entry points need the contiguous dimension of
 * each operand to be a multiple of 4 (then rows stay 16-byte aligned); other sizes take the scalar ones.
 */
final class TiledGemm implements Gemm {
    private static final int MAX_GRID_Z = 65535;

    private final KernelModules kernels;
    private final CUstream stream;
    private final Grids grids;
    private final CudaMemory memory;
    private final boolean tf32;
    private final Kernel float4, scalar;

    TiledGemm(KernelModules kernels, CudaDevice device, Grids grids, CudaMemory memory, boolean tf32) {
        this.kernels = kernels;
        this.stream = device.stream();
        this.grids = grids;
        this.memory = memory;
        this.tf32 = tf32;
        this.float4 = tf32 ? kernels.kernel("MatmulTf32", "matmul_tf32_mma_tiled128_float4") : kernels.kernel("Matmul", "matmul_sgemm_tiled128_float4");
        this.scalar = tf32 ? kernels.kernel("MatmulTf32", "matmul_tf32_mma_tiled128_scalar") : kernels.kernel("Matmul", "matmul_sgemm_tiled128_scalar");
    }

    /** Whether every operand's contiguous dimension allows float4 loads. */
    static boolean vectorisable(boolean transA, boolean transB, int M, int N, int K) {
        boolean a = transA ? M % 4 == 0 : K % 4 == 0;
        boolean b = transB ? K % 4 == 0 : N % 4 == 0;
        return a && b;
    }

    @Override
    public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, CUdeviceptr A, CUdeviceptr B, float beta, CUdeviceptr C) {
        if (batch == 0 || M == 0 || N == 0) return;
        SplitK plan = SplitK.plan(M, N, K, batch, grids.smCount());
        boolean atomic = plan.splits() > 1;
        if (atomic) scaleInPlace(C, (long) batch * M * N, beta);   // the splits then add alpha * partial
        Kernel k = vectorisable(transA, transB, M, N, K) ? float4 : scalar;
        int gridX = SplitK.ceilDiv(N, SplitK.TILE), gridY = SplitK.ceilDiv(M, SplitK.TILE);
        int perLaunch = Math.max(1, MAX_GRID_Z / plan.splits());
        for (int b0 = 0; b0 < batch; b0 += perLaunch) {
            int nb = Math.min(perLaunch, batch - b0);
            k.launch(gridX, gridY, nb * plan.splits(), 256, 1, 0, stream,
                    transA, transB, M, N, K, alpha,
                    A.withByteOffset(4L * b0 * M * K), B.withByteOffset(4L * b0 * K * N), beta,
                    C.withByteOffset(4L * b0 * M * N), plan.splits(), plan.kChunk(), atomic);
        }
    }

    /** C[0..n) *= beta, with beta 0 writing zeros (never reading what may be NaN) and beta 1 a no-op. */
    private void scaleInPlace(CUdeviceptr c, long n, float beta) {
        if (beta == 1f || n == 0) return;
        if (beta == 0f) memory.fillWords(c, 0, n);
        else kernels.kernel("Elementwise", "scale_forward_elementwise").launch(grids.stride(n), Grids.THREADS, stream, beta, c, c, n);
    }

    @Override
    public String describe() { return tf32 ? "jbert tiled GEMM (TF32 tensor cores)" : "jbert tiled SGEMM (fp32)"; }
}
