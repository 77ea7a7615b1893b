package jbert.kernels;

import jcuda.driver.CUdeviceptr;

/**
 * Where {@link CudaBackend#matmul} goes: cuBLAS ({@link CublasGemm}) or jbert's own tiled kernel
 * ({@link TiledGemm}). Both compute, row-major, for each b in [0, batch):
 * {@code C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b]}, strides M*K, K*N, M*N.
 */
interface Gemm {
    void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                float alpha, CUdeviceptr A, CUdeviceptr B, float beta, CUdeviceptr C);

    /** One line for logs and benchmark tables, e.g. "cuBLAS (TF32)". */
    String describe();
}
