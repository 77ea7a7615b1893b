package jbert.kernels;

import jcuda.driver.CUdeviceptr;

/**
 * jbert's own GEMM, used where cuBLAS for CUDA 12 is missing: {@code Matmul.cu} (128x128 tiles, 8x8
 * outputs per thread, fp32 FMA) or, with TF32 on an sm_80+ card, {@code MatmulTf32.cu} (the same
 * tiles on tensor cores, mma.sync m16n8k8). The float4 entry points need the contiguous dimension of
 * each operand to be a multiple of 4 (then rows stay 16-byte aligned); other sizes take the scalar ones.
 */
final class TiledGemm implements Gemm {
    private static final int MAX_GRID_Z = 65535;

    private final CudaBackend be;
    private final boolean tf32;
    private final Kernel float4, scalar;

    TiledGemm(CudaBackend be, boolean tf32) {
        this.be = be;
        this.tf32 = tf32;
        this.float4 = tf32 ? be.kernel("MatmulTf32", "matmul_tf32_mma_tiled128_float4") : be.kernel("Matmul", "matmul_sgemm_tiled128_float4");
        this.scalar = tf32 ? be.kernel("MatmulTf32", "matmul_tf32_mma_tiled128_scalar") : be.kernel("Matmul", "matmul_sgemm_tiled128_scalar");
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
        SplitK plan = SplitK.plan(M, N, K, batch, be.smCount());
        boolean atomic = plan.splits() > 1;
        if (atomic) be.scaleInPlace(C, (long) batch * M * N, beta);   // the splits then add alpha * partial
        Kernel k = vectorisable(transA, transB, M, N, K) ? float4 : scalar;
        int gridX = SplitK.ceilDiv(N, SplitK.TILE), gridY = SplitK.ceilDiv(M, SplitK.TILE);
        int perLaunch = Math.max(1, MAX_GRID_Z / plan.splits());
        for (int b0 = 0; b0 < batch; b0 += perLaunch) {
            int nb = Math.min(perLaunch, batch - b0);
            k.launch(gridX, gridY, nb * plan.splits(), 256, 1, 0, be.stream(),
                    transA, transB, M, N, K, alpha,
                    A.withByteOffset(4L * b0 * M * K), B.withByteOffset(4L * b0 * K * N), beta,
                    C.withByteOffset(4L * b0 * M * N), plan.splits(), plan.kChunk(), atomic);
        }
    }

    @Override
    public String describe() { return tf32 ? "jbert tiled GEMM (TF32 tensor cores)" : "jbert tiled SGEMM (fp32)"; }
}
