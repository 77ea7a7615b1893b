package jbert.kernels;

import jbert.engine.Backend;
import jbert.engine.BackendOptions;
import jbert.engine.BatchShape;
import jbert.engine.Storage;
import jbert.kernels.driver.CudaDevice;
import jbert.kernels.driver.ForeignLaunch;
import jbert.kernels.driver.GraphDriver;
import jbert.kernels.driver.Grids;
import jbert.kernels.driver.KernelModules;
import jbert.kernels.driver.KernelSources;
import jbert.kernels.gemm.GemmChoice;
import jbert.kernels.gemm.Matmuls;
import jbert.kernels.graphs.StepGraphs;
import jbert.kernels.memory.CachingAllocator;
import jbert.kernels.memory.CudaMemory;
import jbert.kernels.memory.CudaStorage;
import jbert.kernels.memory.DeviceTables;
import jbert.kernels.memory.DriverMemory;
import jbert.kernels.ops.AdamW;
import jbert.kernels.ops.CrossEntropy;
import jbert.kernels.ops.Dropout;
import jbert.kernels.ops.Elementwise;
import jbert.kernels.ops.Embedding;
import jbert.kernels.ops.Gelu;
import jbert.kernels.ops.LaunchContext;
import jbert.kernels.ops.LayerNorm;
import jbert.kernels.ops.Permute;
import jbert.kernels.ops.Reduce;
import jbert.kernels.ops.Softmax;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The engine's {@link Backend} on an NVIDIA GPU. This class only dispatches: each method hands its
 * call to the launcher of the op family's {@code .cu} file ({@code jbert.kernels.ops}: {@code LayerNorm}
 * for {@code LayerNorm.cu}, ...), to the matrix products ({@code jbert.kernels.gemm}) or to memory
 * ({@code jbert.kernels.memory}).
 *
 * <ul>
 *   <li>Device: JCuda's driver API opens the device and loads one module per op family, the committed
 *       PTX or NVRTC 12's ({@code jbert.kernels.driver}); kernels are launched with the driver's own
 *       {@code cuLaunchKernel} called through java.lang.foreign ({@code ForeignLaunch}).</li>
 *   <li>Matrix products: cuBLAS when {@code libcublas.so.12} (JCublas) or {@code libcublas.so.13}
 *       (java.lang.foreign) loads, else jbert's tiled GEMM kernels; one line says which. TF32
 *       tensor-op math with {@link BackendOptions#tf32} (cuBLAS, or jbert's mma.sync kernel on sm_80+).</li>
 *   <li>Memory: a caching allocator; released storages are reused by later allocations, so a
 *       training step allocates nothing from the driver after the first.</li>
 *   <li>Everything runs in order on one stream of the backend's own; only downloads and the scalar
 *       results (loss, sum of squares) wait for the device. Fills, copies and small uploads are
 *       kernels too (uploads read page-locked host memory), so that the whole step is kernel
 *       launches and cuBLAS calls.</li>
 *   <li>With {@link BackendOptions#cudaGraphs}, a training step ({@link #trainingStep}) is captured
 *       once per batch shape in CUDA graphs and replayed ({@code jbert.kernels.graphs.StepGraphs}).</li>
 * </ul>
 */
public final class CudaBackend implements Backend {
    private final BackendOptions options;
    private final CudaDevice device;
    private final KernelModules kernels;
    private final CachingAllocator<CUdeviceptr> allocator;
    private final CudaMemory memory;
    /** With BackendOptions.cudaGraphs: captures and replays training steps; null without. */
    private final StepGraphs stepGraphs;
    private final Matmuls matmuls;
    private final Elementwise elementwise;
    private final Gelu gelu;
    private final LayerNorm layerNorm;
    private final Softmax softmax;
    private final Permute permute;
    private final Embedding embedding;
    private final Dropout dropout;
    private final CrossEntropy crossEntropy;
    private final Reduce reduce;
    private final AdamW adamw;

    /**
     * Opens the device, loads every kernel module and picks the GEMM.
     *
     * @param options the GPU's settings: {@link BackendOptions#gpu}, {@link BackendOptions#kernels},
     *                {@link BackendOptions#gemm}, {@link BackendOptions#tf32}, {@link BackendOptions#cudaGraphs}
     * @param notice  where one-line notices go (kernel source, cuBLAS fallback, TF32 ignored)
     */
    public CudaBackend(BackendOptions options, Consumer<String> notice) {
        this.options = options;
        this.device = new CudaDevice(options.gpu());
        ForeignLaunch foreignLaunch = ForeignLaunch.driver();
        KernelSources.Choice choice = KernelModules.choose(options.kernels(), device);
        this.allocator = new CachingAllocator<>(new DriverMemory(), device::memoryInfo);
        this.stepGraphs = options.cudaGraphs()
                ? new StepGraphs(foreignLaunch, GraphDriver.driver(), allocator, ForeignLaunch.handle(device.stream()), StepGraphs.CHUNK_CALLS, notice)
                : null;
        this.kernels = new KernelModules(device, choice, stepGraphs != null ? stepGraphs : foreignLaunch, notice);
        Grids grids = new Grids(device.smCount());
        this.memory = new CudaMemory(device, kernels, grids, allocator, stepGraphs);
        LaunchContext launch = new LaunchContext(device, kernels, grids, memory, new DeviceTables(device, memory));
        this.elementwise = new Elementwise(launch);
        this.gelu = new Gelu(launch);
        this.layerNorm = new LayerNorm(launch);
        this.softmax = new Softmax(launch);
        this.permute = new Permute(launch);
        this.embedding = new Embedding(launch);
        this.dropout = new Dropout(launch);
        this.crossEntropy = new CrossEntropy(launch);
        this.reduce = new Reduce(launch);
        this.adamw = new AdamW(launch, elementwise);
        this.matmuls = new Matmuls(GemmChoice.forDevice(options.gemm(), options.tf32(), kernels, device, grids, memory, notice),
                device, stepGraphs);
        if (options.tf32() && !usesCublas() && !hasTensorCoreTf32()) {
            notice.accept("jbert: --tf32 ignored: TF32 tensor cores need compute capability 8.0, this GPU has " + computeCapability());
        }
    }

    // ---- facts for tests, benchmarks and logs -------------------------------------------------------

    public String deviceName() { return device.name(); }
    public int smCount() { return device.smCount(); }
    public String computeCapability() { return device.computeCapability(); }
    public String gemmDescription() { return matmuls.describe(); }
    /** Whether matrix products go to cuBLAS (through JCublas or java.lang.foreign) rather than jbert's own kernels. */
    public boolean usesCublas() { return matmuls.usesCublas(); }
    /** Whether the TF32 tensor-core GEMM (MatmulTf32.cu) was loaded: compute capability 8.0 or newer. */
    public boolean hasTensorCoreTf32() { return kernels.has("MatmulTf32"); }
    public KernelSources.Choice kernelSource() { return kernels.choice(); }
    public BackendOptions options() { return options; }
    public CachingAllocator<CUdeviceptr> allocator() { return allocator; }
    /** The one stream every call is queued on (a benchmark's CUDA events and graph probe use it). */
    public CUstream stream() { return device.stream(); }
    /** The step graphs' counts ("captured 1, replayed 19, ..."), or null without BackendOptions.cudaGraphs. */
    public String graphStats() { return stepGraphs == null ? null : stepGraphs.stats(); }
    /** The step graphs, or null without BackendOptions.cudaGraphs. */
    public StepGraphs stepGraphs() { return stepGraphs; }

    /**
     * The softmax forward on its lane-group kernel at any T that kernel takes, whichever
     * {@link #softmaxForward} would choose: the device check times it at T = 128 against one warp per row.
     */
    public void softmaxForwardLaneGroups(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T) {
        softmax.forwardLaneGroups(scores, mask, scale, probs, B, NH, T);
    }

    @Override public String name() { return "cuda"; }

    // ---- memory -------------------------------------------------------------------------------

    @Override public CudaStorage allocateUninitialised(long n) { return memory.allocateUninitialised(n); }
    @Override public Storage allocate(long n) { return memory.allocate(n); }
    @Override public void release(Storage s) { memory.release(s); }
    @Override public Storage upload(float[] host) { return memory.upload(host); }
    @Override public void upload(float[] host, Storage dst) { memory.upload(host, dst); }
    @Override public float[] download(Storage s) { return memory.download(s); }
    @Override public void copy(Storage src, Storage dst, long n) { memory.copy(src, dst, n); }
    @Override public void fill(Storage s, float value) { memory.fill(s, value); }
    @Override public void synchronize() { memory.synchronize(); }

    /**
     * {@inheritDoc} With {@link BackendOptions#cudaGraphs}, steps of one {@code shape} are captured in
     * CUDA graphs and replayed ({@link StepGraphs}).
     */
    @Override
    public <R> R trainingStep(BatchShape shape, Supplier<R> body) {
        if (stepGraphs == null) return body.get();
        device.bind();
        return stepGraphs.step(shape, body);
    }

    // ---- linear algebra -----------------------------------------------------------------------

    @Override
    public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, Storage A, Storage B, float beta, Storage C) {
        matmuls.matmul(transA, transB, batch, M, N, K, alpha, A, B, beta, C);
    }

    // ---- elementwise (Elementwise.cu, Gelu.cu) ----------------------------------------------------

    @Override public void add(Storage a, Storage b, Storage out, long n) { elementwise.add(a, b, out, n); }
    @Override public void axpy(float alpha, Storage x, Storage y, long n) { elementwise.axpy(alpha, x, y, n); }
    @Override public void scale(float alpha, Storage x, Storage out, long n) { elementwise.scale(alpha, x, out, n); }
    @Override public void biasForward(Storage x, Storage bias, Storage out, int rows, int cols) { elementwise.biasForward(x, bias, out, rows, cols); }
    @Override public void biasBackward(Storage dout, Storage dbias, int rows, int cols) { elementwise.biasBackward(dout, dbias, rows, cols); }
    @Override public void tanhForward(Storage x, Storage out, long n) { elementwise.tanhForward(x, out, n); }
    @Override public void tanhBackward(Storage y, Storage dout, Storage dx, long n) { elementwise.tanhBackward(y, dout, dx, n); }
    @Override public void geluForward(Storage x, Storage out, long n) { gelu.forward(x, out, n); }
    @Override public void geluBackward(Storage x, Storage dout, Storage dx, long n) { gelu.backward(x, dout, dx, n); }

    @Override
    public void biasGeluForward(Storage x, Storage bias, Storage pre, Storage out, int rows, int cols) {
        gelu.biasForward(x, bias, pre, out, rows, cols);
    }

    @Override
    public void biasGeluBackward(Storage pre, Storage dout, Storage dx, Storage dbias, int rows, int cols) {
        gelu.biasBackward(pre, dout, dx, dbias, rows, cols);
    }

    // ---- normalisation (LayerNorm.cu) ------------------------------------------------------------

    @Override
    public void layernormForward(Storage x, Storage gamma, Storage beta, Storage out,
                                 Storage mean, Storage rstd, int rows, int cols, float eps) {
        layerNorm.forward(x, gamma, beta, out, mean, rstd, rows, cols, eps);
    }

    @Override
    public void layernormBackward(Storage dout, Storage x, Storage gamma, Storage mean, Storage rstd,
                                  Storage dx, Storage dgamma, Storage dbeta, int rows, int cols) {
        layerNorm.backward(dout, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols);
    }

    @Override
    public void residualLayernormForward(Storage a, Storage b, Storage gamma, Storage beta, Storage sum,
                                         Storage out, Storage mean, Storage rstd, int rows, int cols, float eps) {
        layerNorm.residualForward(a, b, gamma, beta, sum, out, mean, rstd, rows, cols, eps);
    }

    // ---- attention (Softmax.cu, Permute.cu, Elementwise.cu) ----------------------------------------

    @Override
    public void softmaxForward(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T) {
        softmax.forward(scores, mask, scale, probs, B, NH, T);
    }

    @Override
    public void softmaxBackward(Storage probs, Storage dprobs, Storage dscores, float scale, int B, int NH, int T) {
        softmax.backward(probs, dprobs, dscores, scale, B, NH, T);
    }

    @Override
    public void permute0213(Storage x, Storage out, int A, int B, int C, int D, boolean accumulate) {
        permute.permute0213(x, out, A, B, C, D, accumulate);
    }

    @Override
    public void selectToken(Storage x, Storage out, int B, int T, int H, int index) {
        elementwise.selectToken(x, out, B, T, H, index);
    }

    @Override
    public void selectTokenBackward(Storage dout, Storage dx, int B, int T, int H, int index) {
        elementwise.selectTokenBackward(dout, dx, B, T, H, index);
    }

    // ---- embeddings, dropout, loss (Embedding.cu, Dropout.cu, CrossEntropy.cu) ---------------------

    @Override public void embeddingForward(int[] ids, Storage table, Storage out, int n, int H) { embedding.forward(ids, table, out, n, H); }
    @Override public void embeddingBackward(int[] ids, Storage dout, Storage dtable, int n, int H) { embedding.backward(ids, dout, dtable, n, H); }
    @Override public void dropoutForward(Storage x, Storage out, long n, float p, long seed) { dropout.forward(x, out, n, p, seed); }
    @Override public void dropoutBackward(Storage dout, Storage dx, long n, float p, long seed) { dropout.backward(dout, dx, n, p, seed); }

    @Override
    public double crossEntropyForward(Storage logits, int[] labels, Storage probs, int N, int C) {
        return crossEntropy.forward(logits, labels, probs, N, C);
    }

    @Override
    public void crossEntropyBackward(Storage probs, int[] labels, Storage dlogits, float scale, int N, int C) {
        crossEntropy.backward(probs, labels, dlogits, scale, N, C);
    }

    // ---- optimizer (Reduce.cu, AdamW.cu; the multi-tensor forms: one launch over a list, MultiTensor.cuh) --

    @Override public double sumOfSquares(Storage x, long n) { return reduce.sumOfSquares(x, n); }
    @Override public double sumOfSquares(Storage[] xs, long[] ns) { return reduce.sumOfSquares(xs, ns); }
    @Override public void scale(float alpha, Storage[] xs, long[] ns) { elementwise.scale(alpha, xs, ns); }
    @Override public void fill(Storage[] xs, float value) { elementwise.fill(xs, value); }

    @Override
    public void adamwUpdate(Storage param, Storage grad, Storage m, Storage v, long n,
                            float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2, float gradScale, boolean zeroGrad) {
        adamw.update(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2, gradScale, zeroGrad);
    }

    @Override
    public void adamwUpdate(Storage[] params, Storage[] grads, Storage[] ms, Storage[] vs, long[] ns,
                            float lr, float beta1, float beta2, float eps, float[] weightDecays,
                            float bc1, float bc2, float gradScale, boolean zeroGrad) {
        adamw.update(params, grads, ms, vs, ns, lr, beta1, beta2, eps, weightDecays, bc1, bc2, gradScale, zeroGrad);
    }

    @Override
    public String toString() {
        return "cuda:" + options.gpu() + " (" + device.name() + ", sm_" + device.smVersion() + ", " + device.smCount() + " SMs; "
                + matmuls.describe() + "; kernels: " + kernels.choice().reason() + "; launches: cuLaunchKernel via java.lang.foreign"
                + (stepGraphs != null ? ", training steps in CUDA graphs" : "") + ")";
    }
}
