/**
 * Matrix products: {@link jbert.kernels.gemm.GemmChoice} (cuBLAS through JCublas for libcublas.so.12,
 * through java.lang.foreign for libcublas.so.13 ({@code NativeCublasGemm}), else jbert's own),
 * {@code TiledGemm} and {@code SplitK} (Matmul.cu and MatmulTf32.cu, K cut so that the blocks fill the
 * GPU), and {@link jbert.kernels.gemm.Matmuls} ({@code Backend.matmul}: checks, then the chosen path,
 * through the step graphs when that is cuBLAS).
 *
 * <p>Part of the CUDA backend's internals (see {@code jbert.kernels}): public only for its other rooms.
 */
package jbert.kernels.gemm;
