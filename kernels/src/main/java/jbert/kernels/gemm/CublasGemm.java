package jbert.kernels.gemm;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;


/**
 * Matrix products through cuBLAS (JCublas2, needs {@code libcublas.so.12}).
 *
 * <p>cuBLAS is column-major; jbert is row-major: {@link Gemm.ColumnMajor} maps one call onto the
 * other (operands swapped, sizes (N, M, K), each operand's own transpose flag). With TF32, cuBLAS may round inputs to TF32 (10-bit mantissa) inside tensor
 * cores, accumulating in fp32 (relative error about 1e-3 instead of 1e-6).
 */
final class CublasGemm implements Gemm {
    private final cublasHandle handle = new cublasHandle();
    private final boolean tf32;

    /** Throws UnsatisfiedLinkError (or a wrapper) when libcublas.so.12 cannot be loaded. */
    CublasGemm(boolean tf32) {
        JCublas2.setExceptionsEnabled(true);
        JCublas2.cublasCreate(handle);
        JCublas2.cublasSetMathMode(handle, tf32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH);
        this.tf32 = tf32;
    }

    @Override
    public void setStream(jcuda.driver.CUstream stream) {
        JCublas2.cublasSetStream(handle, new jcuda.runtime.cudaStream_t(stream));
    }

    @Override
    public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, CUdeviceptr A, CUdeviceptr B, float beta, CUdeviceptr C) {
        if (batch == 0 || M == 0 || N == 0) return;
        ColumnMajor cm = ColumnMajor.of(transA, transB, M, N, K);
        Pointer a = Pointer.to(new float[]{alpha}), b = Pointer.to(new float[]{beta});
        if (batch == 1) {
            JCublas2.cublasSgemm(handle, cm.opB(), cm.opA(), N, M, K, a, B, cm.ldb(), A, cm.lda(), b, C, N);
        } else {
            JCublas2.cublasSgemmStridedBatched(handle, cm.opB(), cm.opA(), N, M, K, a, B, cm.ldb(), (long) K * N,
                    A, cm.lda(), (long) M * K, b, C, N, (long) M * N, batch);
        }
    }

    @Override
    public String describe() { return tf32 ? "cuBLAS (TF32 tensor ops)" : "cuBLAS (fp32)"; }
}
