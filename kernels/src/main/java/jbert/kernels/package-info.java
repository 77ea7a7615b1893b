/**
 * The CUDA backend: {@link jbert.kernels.CudaBackend} runs every {@link jbert.engine.Backend} kernel on
 * an NVIDIA GPU through JCuda; the CUDA C sources are in {@code src/main/cuda}, one file per op
 * family, and the committed PTX beside the resources. Matrix products go to cuBLAS where
 * {@code libcublas.so.12} exists, else to jbert's own tiled kernels ({@link jbert.kernels.TiledGemm}).
 *
 * <p>Dimension legend, as in the engine: B batch, T tokens, H hidden, NH heads, D head size (H/NH),
 * I intermediate, V vocab, C classes, N rows (B*T or B), K inner dimension of a matrix product,
 * M and N its output rows and columns.
 */
package jbert.kernels;
