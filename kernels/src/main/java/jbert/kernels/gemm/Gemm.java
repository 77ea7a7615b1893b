package jbert.kernels.gemm;

import jcuda.driver.CUdeviceptr;

/**
 * Where {@link Matmuls} sends {@code Backend.matmul}: cuBLAS ({@link CublasGemm}) or jbert's own tiled kernel
 * ({@link TiledGemm}). Both compute, row-major, for each b in [0, batch):
 * {@code C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b]}, strides M*K, K*N, M*N.
 */
public interface Gemm {
    void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                float alpha, CUdeviceptr A, CUdeviceptr B, float beta, CUdeviceptr C);

    /** Queue the products on {@code stream} (the backend's; jbert's own kernels take it at each launch). */
    default void setStream(jcuda.driver.CUstream stream) {}

    /** One line for logs and benchmark tables, e.g. "cuBLAS (TF32)". */
    String describe();

    /**
     * The arguments of the column-major cuBLAS call that computes a row-major product, shared by both
     * cuBLAS bindings. A row-major [M, N] matrix is, byte for byte, the column-major [N, M] matrix of
     * its transpose, so {@code C = op(A) op(B)} is computed as {@code C^T = op(B)^T op(A)^T}: the
     * operands swapped (B first), sizes (N, M, K), each keeping its own transpose flag
     * (cublasOperation_t: 0 = N, 1 = T). Leading dimensions are the stored row lengths, at least 1
     * (cuBLAS rejects 0 even when K = 0).
     */
    record ColumnMajor(int opB, int opA, int ldb, int lda) {
        static ColumnMajor of(boolean transA, boolean transB, int M, int N, int K) {
            return new ColumnMajor(transB ? 1 : 0, transA ? 1 : 0, Math.max(1, transB ? K : N), Math.max(1, transA ? M : K));
        }
    }
}
