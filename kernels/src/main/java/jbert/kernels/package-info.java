/**
 * The CUDA backend: {@link jbert.kernels.CudaBackend} runs every {@link jbert.engine.Backend} kernel on
 * an NVIDIA GPU, and {@link jbert.kernels.CudaBackendProvider} makes it known as {@code --device cuda}.
 * These two are the module's API; {@code CudaBackend} only dispatches, to rooms of its own:
 * <ul>
 *   <li>{@code jbert.kernels.ops}: one launcher per {@code .cu} file of {@code src/main/cuda}, named
 *       after it ({@code LayerNorm} launches {@code LayerNorm.cu}'s kernels), holding that family's
 *       tuning (LayerNorm's register widths, softmax's lane groups);</li>
 *   <li>{@code jbert.kernels.driver}: the device and its stream, the kernel modules (committed PTX or
 *       NVRTC), and the launch itself: the driver's {@code cuLaunchKernel} called through
 *       java.lang.foreign; JCuda serves the other driver API calls;</li>
 *   <li>{@code jbert.kernels.memory}: the caching allocator, page-locked staging and the transfers
 *       through it, the multi-tensor device tables, the host-side argument checks;</li>
 *   <li>{@code jbert.kernels.gemm}: matrix products, cuBLAS (JCublas or java.lang.foreign) or jbert's
 *       tiled kernels;</li>
 *   <li>{@code jbert.kernels.graphs}: a training step captured in CUDA graphs and replayed.</li>
 * </ul>
 * Those packages are the backend's internals: their members are public only so that the rooms can
 * reach one another (and the device check in {@code jbert.bench} can time them); nothing outside
 * this module should build on them.
 *
 * <p>Dimension legend, as in the engine: B batch, T tokens, H hidden, NH heads, D head size (H/NH),
 * I intermediate, V vocab, C classes, N rows (B*T or B), K inner dimension of a matrix product,
 * M and N its output rows and columns.
 */
package jbert.kernels;
