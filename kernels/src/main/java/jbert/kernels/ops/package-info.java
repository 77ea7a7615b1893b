/**
 * The launchers, one per {@code .cu} file and named after it: {@link jbert.kernels.ops.Elementwise},
 * {@link jbert.kernels.ops.Gelu}, {@link jbert.kernels.ops.LayerNorm}, {@link jbert.kernels.ops.Softmax},
 * {@link jbert.kernels.ops.Permute}, {@link jbert.kernels.ops.Embedding}, {@link jbert.kernels.ops.Dropout},
 * {@link jbert.kernels.ops.CrossEntropy}, {@link jbert.kernels.ops.Reduce}, {@link jbert.kernels.ops.AdamW}
 * (Matmul.cu and MatmulTf32.cu are {@code jbert.kernels.gemm.TiledGemm}'s). Each method checks its
 * arguments on the host (a GPU kernel reading past a buffer fails silently), picks the kernel and its
 * launch shape, and queues it on the device's stream; a family's tuning lives in its launcher.
 *
 * <p>Part of the CUDA backend's internals (see {@code jbert.kernels}): public for
 * {@link jbert.kernels.CudaBackend}, which dispatches to them.
 *
 * <p>Dimension legend: B batch, T tokens, H hidden, NH heads, D head size, C classes, N rows.
 */
package jbert.kernels.ops;
