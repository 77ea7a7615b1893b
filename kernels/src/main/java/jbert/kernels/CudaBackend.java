package jbert.kernels;

import jbert.engine.Backend;
import jbert.engine.Storage;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static jcuda.driver.CUstream_flags.CU_STREAM_NON_BLOCKING;
import static jcuda.driver.JCudaDriver.*;

/**
 * The engine's {@link Backend} on an NVIDIA GPU, through the JCuda driver API.
 *
 * <ul>
 *   <li>Kernels: the {@code .cu} files of {@code src/main/cuda}, one module per op family, loaded as
 *       committed PTX or compiled by NVRTC 12 ({@link KernelSources}).</li>
 *   <li>Matrix products: cuBLAS when {@code libcublas.so.12} (JCublas) or {@code libcublas.so.13}
 *       ({@link NativeCublasGemm}) loads, else jbert's tiled GEMM kernels; one line says which. TF32
 *       tensor-op math with {@link Options#tf32} (cuBLAS, or jbert's mma.sync kernel on sm_80+).</li>
 *   <li>Memory: a {@link CachingAllocator}; released storages are reused by later allocations, so a
 *       training step allocates nothing from the driver after the first.</li>
 *   <li>Everything runs in order on one stream of the backend's own; only downloads and the scalar
 *       results (loss, sum of squares) wait for the device. Fills, copies and small uploads are
 *       kernels too (uploads read page-locked host memory, {@link HostStaging}), so that the whole
 *       step is kernel launches and cuBLAS calls.</li>
 *   <li>With {@link Options#graphs}, a training step ({@link #trainingStep}) is captured once in CUDA
 *       graphs and replayed ({@link StepGraphs}).</li>
 * </ul>
 */
public final class CudaBackend implements Backend {
    private static final int THREADS = 256;

    /**
     * @param tf32      TF32 tensor-op math for matrix products
     * @param gemm      "auto" (cuBLAS if present), "cublas" (an error without it) or "own"
     * @param kernels   "auto", "ptx" or "nvrtc" ({@link KernelSources#choose})
     * @param device    device ordinal
     * @param graphs    capture each training step's shape in CUDA graphs and replay them ({@link StepGraphs})
     */
    public record Options(boolean tf32, String gemm, String kernels, int device, boolean graphs) {
        /**
         * From system properties {@code jbert.tf32}, {@code jbert.cuda.gemm}, {@code jbert.cuda.kernels},
         * {@code jbert.cuda.device}, {@code jbert.cuda.graphs}.
         */
        public static Options fromSystemProperties() {
            return new Options(Boolean.getBoolean("jbert.tf32"),
                    System.getProperty("jbert.cuda.gemm", "auto"),
                    System.getProperty("jbert.cuda.kernels", "auto"),
                    Integer.getInteger("jbert.cuda.device", 0),
                    Boolean.getBoolean("jbert.cuda.graphs"));
        }

        public Options withGemm(String g) { return new Options(tf32, g, kernels, device, graphs); }
        public Options withTf32(boolean t) { return new Options(t, gemm, kernels, device, graphs); }
        public Options withGraphs(boolean g) { return new Options(tf32, gemm, kernels, device, g); }
    }

    private final Options options;
    private final CUcontext context = new CUcontext();
    private final CUdevice device = new CUdevice();
    /** The one stream everything is queued on (non-blocking: a stream capture needs one of its own). */
    private final CUstream stream = new CUstream();
    private final String deviceName;
    private final int smCount, computeMajor, computeMinor;
    private final KernelSources.Choice kernelChoice;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, Kernel> kernels = new HashMap<>();
    private final CachingAllocator<CUdeviceptr> allocator;
    private final Gemm gemm;
    /** Kernels go to the driver's cuLaunchKernel through java.lang.foreign, or through the step graphs. */
    private final ForeignLaunch foreignLaunch;
    /** With Options.graphs: captures and replays training steps; null without. */
    private final StepGraphs stepGraphs;
    private final HostStaging staging;
    /** Uploads go through {@link #staging} in parts of this size (a weight matrix in several). */
    private static final long STAGED_UPLOAD_BYTES = 1 << 20;
    private final ThreadLocal<Boolean> contextBound = ThreadLocal.withInitial(() -> false);

    /**
     * Opens the device, loads every kernel module and picks the GEMM.
     *
     * @param notice where one-line notices go (kernel source, cuBLAS fallback); System.err by default
     */
    public CudaBackend(Options options, Consumer<String> notice) {
        this.options = options;
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        cuDeviceGet(device, options.device());
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        contextBound.set(true);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        this.deviceName = new String(name).trim().replace("\0", "");
        this.smCount = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        this.computeMajor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.computeMinor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int[] driver = new int[1];
        cuDriverGetVersion(driver);
        int ptxNeeds = KernelSources.driverVersionForPtx(KernelSources.ptx("Elementwise"));
        this.foreignLaunch = ForeignLaunch.driver();
        cuStreamCreate(stream, CU_STREAM_NON_BLOCKING);
        this.staging = new HostStaging(8 << 20);
        this.kernelChoice = KernelSources.choose(options.kernels(), driver[0], ptxNeeds, nvrtcLoads());
        for (String family : KernelSources.FAMILIES) {
            // A family built for a newer architecture (MatmulTf32: sm_80) is left out on older cards.
            if (KernelSources.targetOf(KernelSources.ptx(family)) > computeMajor * 10 + computeMinor) continue;
            try {
                modules.put(family, loadModule(family));
            } catch (CudaException e) {
                if (!family.equals("MatmulTf32")) throw new IllegalStateException("loading " + family + " kernels: " + e.getMessage(), e);
                // Optional: without it, TF32 falls back to cuBLAS or to fp32.
                notice.accept("jbert: the TF32 GEMM kernels did not load (" + e.getMessage() + "); TF32 needs cuBLAS here");
            }
        }
        this.allocator = new CachingAllocator<>(new DriverMemory(), this::memoryInfo);
        this.stepGraphs = options.graphs()
                ? new StepGraphs(foreignLaunch, GraphDriver.driver(), allocator, ForeignLaunch.handle(stream), StepGraphs.CHUNK_CALLS, notice) : null;
        this.gemm = chooseGemm(options, notice);
        gemm.setStream(stream);
        if (options.tf32() && !usesCublas() && !hasTensorCoreTf32()) {
            notice.accept("jbert: --tf32 ignored: TF32 tensor cores need compute capability 8.0, this GPU has " + computeCapability());
        }
    }

    public CudaBackend() { this(Options.fromSystemProperties(), System.err::println); }

    /** The matrix-product path: {@link GemmChoice} (cuBLAS through JCublas or java.lang.foreign, else jbert's own). */
    private Gemm chooseGemm(Options o, Consumer<String> notice) {
        boolean ownTf32 = o.tf32() && hasTensorCoreTf32();
        return GemmChoice.choose(o.gemm(), () -> new CublasGemm(o.tf32()), () -> NativeCublasGemm.open(o.tf32()),
                () -> new TiledGemm(this, ownTf32), ownTf32 ? "MatmulTf32.cu, TF32 tensor cores" : "Matmul.cu, fp32", notice);
    }

    /** Whether the TF32 tensor-core GEMM (MatmulTf32.cu) was loaded: compute capability 8.0 or newer. */
    boolean hasTensorCoreTf32() { return modules.containsKey("MatmulTf32"); }

    private static boolean nvrtcLoads() {
        try {
            int[] major = new int[1], minor = new int[1];
            JNvrtc.nvrtcVersion(major, minor);
            return major[0] == 12;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            return false;
        }
    }

    private CUmodule loadModule(String family) {
        CUmodule module = new CUmodule();
        String ptx = kernelChoice.kind() == KernelSources.Kind.PTX ? KernelSources.ptx(family) : compileWithNvrtc(family);
        // The driver reads the image up to its NUL: pass the bytes with an explicit terminator.
        byte[] image = (ptx + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        cuModuleLoadData(module, image);
        return module;
    }

    private static String compileWithNvrtc(String family) {
        JNvrtc.setExceptionsEnabled(true);
        nvrtcProgram program = new nvrtcProgram();
        String source = KernelSources.source(family);
        String[] headerNames = KernelSources.HEADERS.toArray(new String[0]);
        String[] headers = new String[headerNames.length];
        for (int i = 0; i < headers.length; i++) headers[i] = KernelSources.header(headerNames[i]);
        JNvrtc.nvrtcCreateProgram(program, source, family + ".cu", headers.length, headers, headerNames);
        try {
            try {
                JNvrtc.nvrtcCompileProgram(program, 3, new String[]{
                        "--gpu-architecture=" + KernelSources.archOf(source), "--std=c++17", "-default-device"});
            } catch (CudaException e) {
                String[] log = new String[1];
                JNvrtc.nvrtcGetProgramLog(program, log);
                throw new IllegalStateException("NVRTC failed on " + family + ".cu: " + log[0].strip(), e);
            }
            String[] ptx = new String[1];
            JNvrtc.nvrtcGetPTX(program, ptx);
            return ptx[0];
        } finally {
            JNvrtc.nvrtcDestroyProgram(program);
        }
    }

    Kernel kernel(String family, String name) {
        return kernels.computeIfAbsent(name, n -> {
            CUmodule module = modules.get(family);
            if (module == null) throw new IllegalStateException(family + ".cu is not loaded on this GPU (compute capability " + computeCapability() + ")");
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, n);
            return new Kernel(n, f, KernelSources.entryParams(KernelSources.ptx(family), n),
                    stepGraphs != null ? stepGraphs : foreignLaunch);
        });
    }

    private int attribute(int attr) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, attr, device);
        return v[0];
    }

    // ---- facts for tests, benchmarks and logs -------------------------------------------------------

    public String deviceName() { return deviceName; }
    public int smCount() { return smCount; }
    public String computeCapability() { return computeMajor + "." + computeMinor; }
    public String gemmDescription() { return gemm.describe(); }
    /** Whether matrix products go to cuBLAS (through JCublas or java.lang.foreign) rather than jbert's own kernels. */
    public boolean usesCublas() { return !(gemm instanceof TiledGemm); }
    public KernelSources.Choice kernelSource() { return kernelChoice; }
    public Options options() { return options; }
    public CachingAllocator<CUdeviceptr> allocator() { return allocator; }
    CUstream stream() { return stream; }
    /** The step graphs' counts ("captured 1, replayed 19, ..."), or null without Options.graphs. */
    public String graphStats() { return stepGraphs == null ? null : stepGraphs.stats(); }
    StepGraphs stepGraphs() { return stepGraphs; }

    /** Makes the context current on the calling thread (needed once per thread). */
    private void bind() {
        if (!contextBound.get()) {
            cuCtxSetCurrent(context);
            contextBound.set(true);
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    private final class DriverMemory implements CachingAllocator.DeviceMemory<CUdeviceptr> {
        @Override
        public CUdeviceptr malloc(long bytes) {
            CUdeviceptr p = new CUdeviceptr();
            try {
                cuMemAlloc(p, bytes);
                return p;
            } catch (CudaException e) {
                if (e.getMessage() != null && e.getMessage().contains(CUresult.stringFor(CUresult.CUDA_ERROR_OUT_OF_MEMORY))) return null;
                throw e;
            }
        }

        @Override
        public void free(CUdeviceptr handle) { cuMemFree(handle); }
    }

    private String memoryInfo() {
        long[] free = new long[1], total = new long[1];
        cuMemGetInfo(free, total);
        return "the " + deviceName + " has " + CachingAllocator.human(free[0]) + " free of " + CachingAllocator.human(total[0]);
    }

    @Override
    public CudaStorage allocateUninitialised(long n) {
        if (n < 0) throw new IllegalArgumentException("allocate: negative size " + n);
        bind();
        return new CudaStorage(n, allocator.allocate(n * Sizeof.FLOAT));
    }

    @Override
    public String name() { return "cuda"; }

    @Override
    public Storage allocate(long n) {
        CudaStorage s = allocateUninitialised(n);
        fillWords(s.ptr(), 0, n);
        return s;
    }

    /** dst[0..n) = bits, n 32-bit words, as a kernel (see {@link HostStaging} for why not cuMemsetD32Async). */
    private void fillWords(CUdeviceptr dst, int bits, long n) {
        if (n > 0) kernel("Elementwise", "fill_words_elementwise").launch(grid(n), THREADS, stream, dst, bits, n);
    }

    /** dst[0..n) = src[0..n), n 32-bit words, as a kernel; src may be a {@link HostStaging} slice. */
    private void copyWords(CUdeviceptr src, CUdeviceptr dst, long n) {
        if (n > 0) kernel("Elementwise", "copy_words_elementwise").launch(grid(n), THREADS, stream, src, dst, n);
    }

    /**
     * Host bytes (a multiple of 4) to dst, queued on the stream: through staging slices and a copy
     * kernel, in parts of at most {@link #STAGED_UPLOAD_BYTES} that wait for the stream when the
     * staging buffer is full (weights); inside a captured or replayed step in one part, never waiting.
     */
    private void uploadBytes(MemorySegment host, CUdeviceptr dst) {
        long bytes = host.byteSize();
        boolean inStep = stepGraphs != null && stepGraphs.active();
        for (long done = 0; done < bytes; ) {
            long part = inStep ? bytes - done : Math.min(bytes - done, STAGED_UPLOAD_BYTES);
            if (!inStep && staging.remaining() < part) drain();
            HostStaging.Slice slice = staging.take(part);
            MemorySegment.copy(host, done, slice.host(), 0, part);
            copyWords(slice.device(), dst.withByteOffset(done), part / 4);
            done += part;
        }
    }

    /**
     * Waits until the stream is idle, launching what a captured or replayed step holds back first
     * (the host is about to read device memory); the staging slices are free again after.
     */
    private void drain() {
        if (stepGraphs != null) stepGraphs.boundary();
        cuStreamSynchronize(stream);
        staging.reset();
    }

    /** Device bytes to a new host array: after the queued work (a read-back). */
    private void downloadBytes(CUdeviceptr src, Pointer dst, long bytes) {
        drain();
        if (bytes > 0) cuMemcpyDtoH(dst, src, bytes);
    }

    @Override
    public void release(Storage s) {
        allocator.release(of(s, "release").detach());
    }

    @Override
    public Storage upload(float[] host) {
        CudaStorage s = allocateUninitialised(host.length);
        uploadBytes(MemorySegment.ofArray(host), s.ptr());
        return s;
    }

    @Override
    public void upload(float[] host, Storage dst) {
        CudaStorage d = of(dst, "upload");
        need(d, host.length, "upload", "dst");
        bind();
        uploadBytes(MemorySegment.ofArray(host), d.ptr());
    }

    @Override
    public float[] download(Storage s) {
        CudaStorage d = of(s, "download");
        bind();
        if (d.size() > Integer.MAX_VALUE) throw new IllegalArgumentException("download: " + d.size() + " floats do not fit a Java array");
        float[] host = new float[(int) d.size()];
        downloadBytes(d.ptr(), Pointer.to(host), (long) host.length * Sizeof.FLOAT);
        return host;
    }

    @Override
    public void copy(Storage src, Storage dst, long n) {
        CudaStorage s = of(src, "copy"), d = of(dst, "copy");
        need(s, n, "copy", "src");
        need(d, n, "copy", "dst");
        bind();
        copyWords(s.ptr(), d.ptr(), n);
    }

    @Override
    public void fill(Storage s, float value) {
        CudaStorage d = of(s, "fill");
        bind();
        fillWords(d.ptr(), Float.floatToRawIntBits(value), d.size());
    }

    @Override
    public void synchronize() {
        bind();
        drain();
    }

    /**
     * {@inheritDoc} With {@link Options#graphs}, steps of one {@code shape} are captured in CUDA graphs
     * and replayed ({@link StepGraphs}).
     */
    @Override
    public <R> R trainingStep(jbert.engine.BatchShape shape, java.util.function.Supplier<R> body) {
        if (stepGraphs == null) return body.get();
        bind();
        return stepGraphs.step(shape.toString(), body);
    }

    /** Device ints holding {@code ids[0..n)}, uploaded on the stream; the caller releases them. */
    private CudaStorage deviceInts(int[] ids, int n) {
        CudaStorage s = allocateUninitialised(n);           // a float slot holds an int: both 4 bytes
        uploadBytes(MemorySegment.ofArray(ids).asSlice(0, 4L * n), s.ptr());
        return s;
    }

    /** C[0..n) *= beta, with beta 0 writing zeros (never reading what may be NaN) and beta 1 a no-op. */
    void scaleInPlace(CUdeviceptr c, long n, float beta) {
        if (beta == 1f || n == 0) return;
        if (beta == 0f) fillWords(c, 0, n);
        else kernel("Elementwise", "scale_forward_elementwise").launch(grid(n), THREADS, stream, beta, c, c, n);
    }

    // ---- argument checks: a GPU kernel reading past a buffer fails silently, so check on the host ----

    private static CudaStorage of(Storage s, String op) {
        if (s instanceof CudaStorage c) return c;
        throw new IllegalArgumentException(op + ": storage " + (s == null ? "null" : s.getClass().getSimpleName())
                + " does not belong to the cuda backend");
    }

    private static void need(CudaStorage s, long n, String op, String arg) {
        if (s.size() < n) throw new IllegalArgumentException(op + ": " + arg + " holds " + s.size() + " floats, needs " + n);
    }

    private static CudaStorage in(Storage s, long n, String op, String arg) {
        CudaStorage c = of(s, op);
        need(c, n, op, arg);
        return c;
    }

    /** Blocks for a grid-stride loop over n elements: enough to fill every SM, no more. */
    private int grid(long n) {
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, (long) smCount * 32));
    }

    /** Blocks for one warp per row, THREADS / 32 rows per block. */
    private static int warpRowsGrid(long rows) {
        long g = (rows * 32 + THREADS - 1) / THREADS;
        if (g > Integer.MAX_VALUE) throw new IllegalArgumentException(rows + " rows exceed one launch");
        return (int) g;
    }

    private static void checkIds(int[] ids, int n, long rows, String op, String what) {
        checkIds(ids, n, rows, op, what, false);
    }

    /** With negativeSkipped, negative ids are allowed (padding rows that embedding backward skips). */
    private static void checkIds(int[] ids, int n, long rows, String op, String what, boolean negativeSkipped) {
        if (ids.length < n) throw new IllegalArgumentException(op + ": " + ids.length + " " + what + "s for " + n + " rows");
        for (int i = 0; i < n; i++) {
            if ((ids[i] < 0 && !negativeSkipped) || ids[i] >= rows) {
                throw new IllegalArgumentException(op + ": " + what + " " + ids[i] + " at position " + i + " is outside [0, " + rows + ")");
            }
        }
    }

    // ---- linear algebra -----------------------------------------------------------------------

    @Override
    public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, Storage A, Storage B, float beta, Storage C) {
        if (batch < 0 || M < 0 || N < 0 || K < 0) {
            throw new IllegalArgumentException("matmul: negative size batch=" + batch + " M=" + M + " N=" + N + " K=" + K);
        }
        CudaStorage a = in(A, (long) batch * M * K, "matmul", "A"), b = in(B, (long) batch * K * N, "matmul", "B");
        CudaStorage c = in(C, (long) batch * M * N, "matmul", "C");
        bind();
        if (stepGraphs == null || gemm instanceof TiledGemm) {   // jbert's own GEMM: kernels like any other
            gemm.matmul(transA, transB, batch, M, N, K, alpha, a.ptr(), b.ptr(), beta, c.ptr());
        } else {
            stepGraphs.opaque(new GemmCall(transA, transB, batch, M, N, K, alpha, ForeignLaunch.address(a.ptr()),
                    ForeignLaunch.address(b.ptr()), beta, ForeignLaunch.address(c.ptr())),
                    () -> gemm.matmul(transA, transB, batch, M, N, K, alpha, a.ptr(), b.ptr(), beta, c.ptr()));
        }
    }

    /** A cuBLAS call as a replayed step must repeat it: every argument, operands by address. */
    private record GemmCall(boolean transA, boolean transB, int batch, int M, int N, int K, float alpha,
                            long A, long B, float beta, long C) {}

    // ---- elementwise ----------------------------------------------------------------------------

    @Override
    public void add(Storage a, Storage b, Storage out, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "add_forward_elementwise").launch(grid(n), THREADS, stream,
                in(a, n, "add", "a"), in(b, n, "add", "b"), in(out, n, "add", "out"), n);
    }

    @Override
    public void axpy(float alpha, Storage x, Storage y, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "axpy_accumulate_elementwise").launch(grid(n), THREADS, stream,
                alpha, in(x, n, "axpy", "x"), in(y, n, "axpy", "y"), n);
    }

    @Override
    public void scale(float alpha, Storage x, Storage out, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "scale_forward_elementwise").launch(grid(n), THREADS, stream,
                alpha, in(x, n, "scale", "x"), in(out, n, "scale", "out"), n);
    }

    @Override
    public void biasForward(Storage x, Storage bias, Storage out, int rows, int cols) {
        long n = (long) rows * cols;
        if (n == 0) return;
        bind();
        kernel("Elementwise", "bias_forward_broadcast_rows").launch(grid(n), THREADS, stream,
                in(x, n, "biasForward", "x"), in(bias, cols, "biasForward", "bias"), in(out, n, "biasForward", "out"), rows, cols);
    }

    /** Rows per block of the column reductions: enough blocks for the GPU, enough rows to amortise the atomics. */
    private int rowsPerBlock(int rows, int cols) {
        int columnBlocks = (cols + 31) / 32;
        int wantedRowBlocks = Math.max(1, (2 * smCount + columnBlocks - 1) / columnBlocks);
        int per = Math.max(64, (rows + wantedRowBlocks - 1) / wantedRowBlocks);
        return Math.min(per, Math.max(rows, 1));
    }

    @Override
    public void biasBackward(Storage dout, Storage dbias, int rows, int cols) {
        long n = (long) rows * cols;
        if (n == 0) return;
        bind();
        int per = rowsPerBlock(rows, cols);
        kernel("Elementwise", "bias_backward_column_reduce").launch((cols + 31) / 32, (rows + per - 1) / per, 1, 32, 16, 0, stream,
                in(dout, n, "biasBackward", "dout"), in(dbias, cols, "biasBackward", "dbias"), rows, cols, per);
    }

    @Override
    public void geluForward(Storage x, Storage out, long n) {
        if (n == 0) return;
        bind();
        kernel("Gelu", "gelu_forward_elementwise").launch(grid(n), THREADS, stream,
                in(x, n, "geluForward", "x"), in(out, n, "geluForward", "out"), n);
    }

    @Override
    public void geluBackward(Storage x, Storage dout, Storage dx, long n) {
        if (n == 0) return;
        bind();
        kernel("Gelu", "gelu_backward_elementwise").launch(grid(n), THREADS, stream,
                in(x, n, "geluBackward", "x"), in(dout, n, "geluBackward", "dout"), in(dx, n, "geluBackward", "dx"), n);
    }

    @Override
    public void biasGeluForward(Storage x, Storage bias, Storage pre, Storage out, int rows, int cols) {
        long n = (long) rows * cols;
        if (n == 0) return;
        bind();
        kernel("Gelu", "bias_gelu_forward_fused").launch(grid(n), THREADS, stream,
                in(x, n, "biasGeluForward", "x"), in(bias, cols, "biasGeluForward", "bias"),
                in(pre, n, "biasGeluForward", "pre"), in(out, n, "biasGeluForward", "out"), rows, cols);
    }

    @Override
    public void biasGeluBackward(Storage pre, Storage dout, Storage dx, Storage dbias, int rows, int cols) {
        long n = (long) rows * cols;
        if (n == 0) return;
        bind();
        int per = rowsPerBlock(rows, cols);
        kernel("Gelu", "bias_gelu_backward_fused_column_reduce").launch((cols + 31) / 32, (rows + per - 1) / per, 1, 32, 16, 0, stream,
                in(pre, n, "biasGeluBackward", "pre"), in(dout, n, "biasGeluBackward", "dout"),
                in(dx, n, "biasGeluBackward", "dx"), in(dbias, cols, "biasGeluBackward", "dbias"), rows, cols, per);
    }

    @Override
    public void tanhForward(Storage x, Storage out, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "tanh_forward_elementwise").launch(grid(n), THREADS, stream,
                in(x, n, "tanhForward", "x"), in(out, n, "tanhForward", "out"), n);
    }

    @Override
    public void tanhBackward(Storage y, Storage dout, Storage dx, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "tanh_backward_elementwise").launch(grid(n), THREADS, stream,
                in(y, n, "tanhBackward", "y"), in(dout, n, "tanhBackward", "dout"), in(dx, n, "tanhBackward", "dx"), n);
    }

    // ---- normalisation --------------------------------------------------------------------------

    @Override
    public void layernormForward(Storage x, Storage gamma, Storage beta, Storage out,
                                 Storage mean, Storage rstd, int rows, int cols, float eps) {
        long n = (long) rows * cols;
        if (rows == 0) return;
        bind();
        String name = switch (layernormRegisterWidth(cols)) {
            case 256 -> "layernorm_forward_warp_per_row_float4_upto256";
            case 768 -> "layernorm_forward_warp_per_row_float4_upto768";
            case 1024 -> "layernorm_forward_warp_per_row_float4_upto1024";
            default -> "layernorm_forward_warp_per_row";
        };
        kernel("LayerNorm", name).launch(warpRowsGrid(rows), THREADS, stream,
                in(x, n, "layernormForward", "x"), in(gamma, cols, "layernormForward", "gamma"),
                in(beta, cols, "layernormForward", "beta"), in(out, n, "layernormForward", "out"),
                in(mean, rows, "layernormForward", "mean"), in(rstd, rows, "layernormForward", "rstd"), rows, cols, eps);
    }

    /**
     * The widest row the float4 register kernels of LayerNorm.cu for this many columns hold (256, 768
     * or 1024 columns: 2, 6 or 8 float4s per lane), or 0 for the generic kernels (cols not a multiple
     * of 4, or wider than 1024).
     */
    static int layernormRegisterWidth(int cols) {
        if (cols <= 0 || cols % 4 != 0 || cols > 1024) return 0;
        return cols <= 256 ? 256 : cols <= 768 ? 768 : 1024;
    }

    /**
     * Backward with the row in registers: one launch for dx and per-block dgamma/dbeta sums in a
     * [blocks, 2 cols] scratch buffer, one launch adding the blocks' sums in order (no float atomics:
     * the same result every run). As many blocks as fit on the GPU at once (ptxas: 61, 128 and 155
     * registers per thread for the three widths at sm_90), so every warp's partial sums cover many rows.
     */
    private void layernormBackwardRegisters(int width, Storage dout, Storage x, Storage gamma, Storage mean, Storage rstd,
                                            Storage dx, Storage dgamma, Storage dbeta, int rows, int cols) {
        long n = (long) rows * cols;
        String op = "layernormBackward";
        int blocksPerSm = width == 256 ? 4 : width == 768 ? 2 : 1;
        int blocks = Math.min(warpRowsGrid(rows), smCount * blocksPerSm);
        String name = switch (width) {
            case 256 -> "layernorm_backward_warp_per_row_float4_upto256";
            case 768 -> "layernorm_backward_warp_per_row_float4_upto768";
            default -> "layernorm_backward_warp_per_row_float4_upto1024";
        };
        CudaStorage partials = allocateUninitialised((long) blocks * 2 * cols);   // [blocks, 2 cols]
        try {
            kernel("LayerNorm", name).launch(blocks, THREADS, stream,
                    in(dout, n, op, "dout"), in(x, n, op, "x"), in(gamma, cols, op, "gamma"), in(mean, rows, op, "mean"),
                    in(rstd, rows, op, "rstd"), in(dx, n, op, "dx"), partials, rows, cols);
            kernel("LayerNorm", "layernorm_backward_sum_block_partials").launch((2 * cols + 31) / 32, THREADS, stream,
                    partials, blocks, cols, in(dgamma, cols, op, "dgamma"), in(dbeta, cols, op, "dbeta"));
        } finally {
            release(partials);                              // stream order keeps it alive for the queued kernels
        }
    }

    /** Dynamic shared memory the backward's per-block dgamma/dbeta partials may use (the default limit). */
    private static final int MAX_SHARED_BYTES = 48 * 1024;

    @Override
    public void layernormBackward(Storage dout, Storage x, Storage gamma, Storage mean, Storage rstd,
                                  Storage dx, Storage dgamma, Storage dbeta, int rows, int cols) {
        long n = (long) rows * cols;
        if (rows == 0) return;
        bind();
        int width = layernormRegisterWidth(cols);
        if (width > 0) {
            layernormBackwardRegisters(width, dout, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols);
            return;
        }
        long shared = 2L * cols * Sizeof.FLOAT;
        boolean useShared = shared <= MAX_SHARED_BYTES;
        int blocks = Math.min(warpRowsGrid(rows), smCount * 2);
        kernel("LayerNorm", "layernorm_backward_warp_per_row").launch(blocks, 1, 1, THREADS, 1, useShared ? (int) shared : 0, stream,
                in(dout, n, "layernormBackward", "dout"), in(x, n, "layernormBackward", "x"),
                in(gamma, cols, "layernormBackward", "gamma"), in(mean, rows, "layernormBackward", "mean"),
                in(rstd, rows, "layernormBackward", "rstd"), in(dx, n, "layernormBackward", "dx"),
                in(dgamma, cols, "layernormBackward", "dgamma"), in(dbeta, cols, "layernormBackward", "dbeta"),
                rows, cols, useShared);
    }

    @Override
    public void residualLayernormForward(Storage a, Storage b, Storage gamma, Storage beta, Storage sum,
                                         Storage out, Storage mean, Storage rstd, int rows, int cols, float eps) {
        long n = (long) rows * cols;
        if (rows == 0) return;
        bind();
        String op = "residualLayernormForward";
        String name = switch (layernormRegisterWidth(cols)) {
            case 256 -> "residual_layernorm_forward_warp_per_row_float4_upto256";
            case 768 -> "residual_layernorm_forward_warp_per_row_float4_upto768";
            case 1024 -> "residual_layernorm_forward_warp_per_row_float4_upto1024";
            default -> "residual_layernorm_forward_warp_per_row";
        };
        kernel("LayerNorm", name).launch(warpRowsGrid(rows), THREADS, stream,
                in(a, n, op, "a"), in(b, n, op, "b"), in(gamma, cols, op, "gamma"), in(beta, cols, op, "beta"),
                in(sum, n, op, "sum"), in(out, n, op, "out"), in(mean, rows, op, "mean"), in(rstd, rows, op, "rstd"),
                rows, cols, eps);
    }

    // ---- attention ------------------------------------------------------------------------------

    @Override
    public void softmaxForward(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T) {
        long rows = (long) B * NH * T, n = rows * T;
        if (n == 0) return;
        if (T <= SOFTMAX_FORWARD_LANE_GROUP_MAX_T && softmaxLaneGroup(B, NH, T) > 0) {
            softmaxForwardLaneGroups(scores, mask, scale, probs, B, NH, T);
            return;
        }
        bind();
        kernel("Softmax", "softmax_forward_masked_scaled_warp_per_row").launch(warpRowsGrid(rows), THREADS, stream,
                in(scores, n, "softmaxForward", "scores"), in(mask, (long) B * T, "softmaxForward", "mask"), scale,
                in(probs, n, "softmaxForward", "probs"), B, NH, T);
    }

    /**
     * The longest rows that take Softmax.cu's float4 lane-group kernels; longer ones take one warp per
     * row. Forward, measured on an H200 (bench/RESULTS.md, GPU, session 5): the warp-per-row kernel
     * ran at 35% of a copy at T = 64 (issue bound) and 63% at T = 128, the lane-group one at 91% and
     * 95%. Backward: one warp per row already streams at 100% at T = 128, the lane-group one at 110%
     * at T = 64; T = 128 stays on the former until measured.
     */
    private static final int SOFTMAX_FORWARD_LANE_GROUP_MAX_T = 128, SOFTMAX_BACKWARD_LANE_GROUP_MAX_T = 64;

    /**
     * Lanes per row of Softmax.cu's float4 lane-group kernels for [B, NH, T, T] scores: the smallest
     * power of two >= T / 4, or 0 where the kernels do not apply (T not a multiple of 4 or longer than
     * 128, more elements than their 32-bit indices reach, or more batches than the forward's grid
     * has y-blocks).
     */
    static int softmaxLaneGroup(int B, int NH, int T) {
        if (T <= 0 || T % 4 != 0 || T > 128 || (long) B * NH * T * T > Integer.MAX_VALUE || B > 65535) return 0;
        return Math.max(1, Integer.highestOneBit(T / 4 - 1) << 1);
    }

    /**
     * The lane-group forward at any T it takes (softmaxLaneGroup > 0), whichever softmaxForward would
     * choose: DeviceCheck times it at T = 128 against the warp-per-row kernel. Grid: blocks of
     * THREADS / G rows along x, one batch per y (the mask row without a division).
     */
    void softmaxForwardLaneGroups(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T) {
        int G = softmaxLaneGroup(B, NH, T);
        if (G == 0) throw new IllegalArgumentException("softmaxForward: no lane-group kernel for [" + B + ", " + NH + ", " + T + ", " + T + "]");
        long n = (long) B * NH * T * T;
        if (n == 0) return;
        int rowsPerBlock = THREADS / G;
        bind();
        kernel("Softmax", "softmax_forward_masked_scaled_float4_lane_group_upto" + 4 * G).launch(
                (NH * T + rowsPerBlock - 1) / rowsPerBlock, B, 1, THREADS, 1, 0, stream,
                in(scores, n, "softmaxForward", "scores"), in(mask, (long) B * T, "softmaxForward", "mask"), scale,
                in(probs, n, "softmaxForward", "probs"), NH, T);
    }

    @Override
    public void softmaxBackward(Storage probs, Storage dprobs, Storage dscores, float scale, int B, int NH, int T) {
        long rows = (long) B * NH * T, n = rows * T;
        if (n == 0) return;
        bind();
        int G = T <= SOFTMAX_BACKWARD_LANE_GROUP_MAX_T ? softmaxLaneGroup(B, NH, T) : 0;
        if (G > 0) {
            kernel("Softmax", "softmax_backward_scaled_float4_lane_group_upto" + 4 * G).launch((int) ((rows * G + THREADS - 1) / THREADS), THREADS, stream,
                    in(probs, n, "softmaxBackward", "probs"), in(dprobs, n, "softmaxBackward", "dprobs"),
                    in(dscores, n, "softmaxBackward", "dscores"), scale, (int) rows, T);
            return;
        }
        kernel("Softmax", "softmax_backward_scaled_warp_per_row").launch(warpRowsGrid(rows), THREADS, stream,
                in(probs, n, "softmaxBackward", "probs"), in(dprobs, n, "softmaxBackward", "dprobs"),
                in(dscores, n, "softmaxBackward", "dscores"), scale, B, NH, T);
    }

    @Override
    public void permute0213(Storage x, Storage out, int A, int B, int C, int D, boolean accumulate) {
        long n = (long) A * B * C * D;
        if (n == 0) return;
        // Permute.cu indexes in 32 bits; a Java float[] holds no more either.
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("permute0213: [" + A + ", " + B + ", " + C + ", " + D + "] has " + n + " elements, more than 2^31 - 1");
        bind();
        boolean float4 = D % 4 == 0;   // then no float4 crosses a D-row
        kernel("Permute", float4 ? "permute0213_forward_float4" : "permute0213_forward_elementwise").launch(grid(float4 ? n / 4 : n), THREADS, stream,
                in(x, n, "permute0213", "x"), in(out, n, "permute0213", "out"), A, B, C, D, accumulate);
    }

    @Override
    public void selectToken(Storage x, Storage out, int B, int T, int H, int index) {
        if (index < 0 || index >= T) throw new IllegalArgumentException("selectToken: index " + index + " outside [0, " + T + ")");
        long n = (long) B * H;
        if (n == 0) return;
        bind();
        kernel("Elementwise", "select_token_forward_gather").launch(grid(n), THREADS, stream,
                in(x, (long) B * T * H, "selectToken", "x"), in(out, n, "selectToken", "out"), B, T, H, index);
    }

    @Override
    public void selectTokenBackward(Storage dout, Storage dx, int B, int T, int H, int index) {
        if (index < 0 || index >= T) throw new IllegalArgumentException("selectTokenBackward: index " + index + " outside [0, " + T + ")");
        long n = (long) B * H;
        if (n == 0) return;
        bind();
        kernel("Elementwise", "select_token_backward_scatter").launch(grid(n), THREADS, stream,
                in(dout, n, "selectTokenBackward", "dout"), in(dx, (long) B * T * H, "selectTokenBackward", "dx"), B, T, H, index);
    }

    // ---- embeddings, dropout, loss ----------------------------------------------------------------

    @Override
    public void embeddingForward(int[] ids, Storage table, Storage out, int n, int H) {
        CudaStorage t = of(table, "embeddingForward");
        checkIds(ids, n, H == 0 ? 0 : t.size() / H, "embeddingForward", "id");
        long total = (long) n * H;
        if (total == 0) return;
        bind();
        CudaStorage dIds = deviceInts(ids, n);
        kernel("Embedding", "embedding_forward_gather").launch(grid(total), THREADS, stream,
                dIds, t, in(out, total, "embeddingForward", "out"), n, H);
        release(dIds);                                      // stream order keeps it until the kernel has run
    }

    @Override
    public void embeddingBackward(int[] ids, Storage dout, Storage dtable, int n, int H) {
        CudaStorage t = of(dtable, "embeddingBackward");
        checkIds(ids, n, H == 0 ? 0 : t.size() / H, "embeddingBackward", "id", true);
        long total = (long) n * H;
        if (total == 0) return;
        bind();
        CudaStorage dIds = deviceInts(ids, n);
        kernel("Embedding", "embedding_backward_scatter_add_atomic").launch(grid(total), THREADS, stream,
                dIds, in(dout, total, "embeddingBackward", "dout"), t, n, H);
        release(dIds);
    }

    /** 1/(1-p) rounded to float as the CPU reference does; 0 for p = 1 (everything dropped). */
    static float dropoutScale(float p) {
        if (p < 0 || p > 1 || Float.isNaN(p)) throw new IllegalArgumentException("dropout probability " + p + " is outside [0, 1]");
        return p >= 1 ? 0f : (float) (1.0 / (1.0 - p));
    }

    @Override
    public void dropoutForward(Storage x, Storage out, long n, float p, long seed) {
        float s = dropoutScale(p);
        if (n == 0) return;
        bind();
        kernel("Dropout", "dropout_forward_counter_rng").launch(grid(n), THREADS, stream,
                in(x, n, "dropoutForward", "x"), in(out, n, "dropoutForward", "out"), n, p, s, seed);
    }

    @Override
    public void dropoutBackward(Storage dout, Storage dx, long n, float p, long seed) {
        float s = dropoutScale(p);
        if (n == 0) return;
        bind();
        kernel("Dropout", "dropout_backward_counter_rng").launch(grid(n), THREADS, stream,
                in(dout, n, "dropoutBackward", "dout"), in(dx, n, "dropoutBackward", "dx"), n, p, s, seed);
    }

    @Override
    public double crossEntropyForward(Storage logits, int[] labels, Storage probs, int N, int C) {
        checkIds(labels, N, C, "crossEntropyForward", "label");
        if (N == 0) return Double.NaN;                      // the mean of nothing, as torch
        long n = (long) N * C;
        bind();
        CudaStorage losses = allocateUninitialised(2L * N); // N doubles
        CudaStorage dLabels = deviceInts(labels, N);
        try {
            kernel("CrossEntropy", "cross_entropy_forward_warp_per_row").launch(warpRowsGrid(N), THREADS, stream,
                    in(logits, n, "crossEntropyForward", "logits"), dLabels,
                    in(probs, n, "crossEntropyForward", "probs"), losses, N, C);
            double[] host = new double[N];
            downloadBytes(losses.ptr(), Pointer.to(host), (long) N * Sizeof.DOUBLE);
            double sum = 0;
            for (double l : host) sum += l;
            return sum / N;
        } finally {
            release(losses);
            release(dLabels);
        }
    }

    @Override
    public void crossEntropyBackward(Storage probs, int[] labels, Storage dlogits, float scale, int N, int C) {
        checkIds(labels, N, C, "crossEntropyBackward", "label");
        long n = (long) N * C;
        if (n == 0) return;
        bind();
        CudaStorage dLabels = deviceInts(labels, N);
        kernel("CrossEntropy", "cross_entropy_backward_elementwise").launch(grid(n), THREADS, stream,
                in(probs, n, "crossEntropyBackward", "probs"), dLabels,
                in(dlogits, n, "crossEntropyBackward", "dlogits"), scale, N, C);
        release(dLabels);
    }

    // ---- optimizer ----------------------------------------------------------------------------

    @Override
    public double sumOfSquares(Storage x, long n) {
        CudaStorage xs = in(x, n, "sumOfSquares", "x");
        if (n == 0) return 0;
        bind();
        CudaStorage total = allocateUninitialised(2);       // one double
        try {
            fillWords(total.ptr(), 0, 2);
            kernel("Reduce", "sum_of_squares_reduce_double").launch(Math.min(grid(n), smCount * 4), THREADS, stream, xs, n, total);
            double[] host = new double[1];
            downloadBytes(total.ptr(), Pointer.to(host), Sizeof.DOUBLE);
            return host[0];
        } finally {
            release(total);
        }
    }

    @Override
    public void adamwUpdate(Storage param, Storage grad, Storage m, Storage v, long n,
                            float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2, float gradScale, boolean zeroGrad) {
        if (n == 0) return;
        bind();
        CudaStorage g = in(grad, n, "adamwUpdate", "grad");
        kernel("AdamW", "adamw_update_fused").launch(grid(n), THREADS, stream,
                in(param, n, "adamwUpdate", "param"), g, in(m, n, "adamwUpdate", "m"), in(v, n, "adamwUpdate", "v"), n,
                lr, beta1, beta2, eps, weightDecay, bc1, bc2, gradScale);
        // zero_grad as its own pass, after the update has read the gradient (AdamW.cu says why)
        if (zeroGrad) fillWords(g.ptr(), 0, n);
    }

    // ---- multi-tensor forms: one launch over a whole list of tensors (MultiTensor.cuh) -----------------

    @Override
    public double sumOfSquares(Storage[] xs, long[] ns) {
        DeviceTable t = deviceTable("sumOfSquares", new Storage[][]{xs}, new String[]{"xs"}, ns, null);
        if (t.chunks() == 0) return 0;
        int blocks = multiTensorGrid(t);
        CudaStorage totals = allocateUninitialised(2L * blocks);   // one double per block
        try {
            kernel("Reduce", "sum_of_squares_reduce_double_multi_tensor").launch(blocks, THREADS, stream,
                    t.pointers()[0], t.sizes(), t.chunkTensor(), t.chunkStart(), t.chunks(), totals);
            double[] host = new double[blocks];
            downloadBytes(totals.ptr(), Pointer.to(host), (long) blocks * Sizeof.DOUBLE);
            double sum = 0;
            for (double b : host) sum += b;                  // in block order: the same norm every run
            return sum;
        } finally {
            release(totals);
        }
    }

    @Override
    public void scale(float alpha, Storage[] xs, long[] ns) {
        DeviceTable t = deviceTable("scale", new Storage[][]{xs}, new String[]{"xs"}, ns, null);
        if (t.chunks() == 0) return;
        kernel("Elementwise", "scale_inplace_multi_tensor").launch(multiTensorGrid(t), THREADS, stream,
                alpha, t.pointers()[0], t.sizes(), t.chunkTensor(), t.chunkStart(), t.chunks());
    }

    @Override
    public void fill(Storage[] xs, float value) {
        long[] ns = new long[xs.length];
        for (int i = 0; i < xs.length; i++) ns[i] = of(xs[i], "fill").size();
        DeviceTable t = deviceTable("fill", new Storage[][]{xs}, new String[]{"xs"}, ns, null);
        if (t.chunks() == 0) return;
        fill(t, t.pointers()[0], value);
    }

    /** value over the tensors of one role of a table (list: that role's pointer array), in one launch. */
    private void fill(DeviceTable t, CUdeviceptr list, float value) {
        kernel("Elementwise", "fill_multi_tensor").launch(multiTensorGrid(t), THREADS, stream,
                value, list, t.sizes(), t.chunkTensor(), t.chunkStart(), t.chunks());
    }

    @Override
    public void adamwUpdate(Storage[] params, Storage[] grads, Storage[] ms, Storage[] vs, long[] ns,
                            float lr, float beta1, float beta2, float eps, float[] weightDecays,
                            float bc1, float bc2, float gradScale, boolean zeroGrad) {
        if (weightDecays.length != ns.length) {
            throw new IllegalArgumentException("adamwUpdate: " + weightDecays.length + " weight decays for " + ns.length + " tensors");
        }
        DeviceTable t = deviceTable("adamwUpdate", new Storage[][]{params, grads, ms, vs},
                new String[]{"params", "grads", "ms", "vs"}, ns, weightDecays);
        if (t.chunks() == 0) return;
        CUdeviceptr[] p = t.pointers();
        kernel("AdamW", "adamw_update_fused_multi_tensor").launch(multiTensorGrid(t), THREADS, stream,
                p[0], p[1], p[2], p[3], t.weightDecays(), t.sizes(), t.chunkTensor(), t.chunkStart(), t.chunks(),
                lr, beta1, beta2, eps, bc1, bc2, gradScale);
        // zero_grad as its own pass over the same table's gradients (AdamW.cu says why)
        if (zeroGrad) fill(t, p[1], 0f);
    }

    /** Blocks of a multi-tensor launch: a few per SM, each walking several chunks. */
    private int multiTensorGrid(DeviceTable t) {
        return Math.min(t.chunks(), smCount * 4);
    }

    /**
     * A list's table on the device (MultiTensor.cuh): for each role (params, grads, ...) an array of
     * the tensors' pointers, then sizes [T] and chunk starts [chunks] (64-bit), weight decays [T] and
     * chunk tensors [chunks] (32-bit), in one block.
     */
    private record DeviceTable(CudaStorage memory, CUdeviceptr[] pointers, CUdeviceptr sizes, CUdeviceptr chunkStart,
                               CUdeviceptr weightDecays, CUdeviceptr chunkTensor, int chunks) {}

    /** What a table was built from: the same device pointers, sizes and decays give the same table. */
    private record TableKey(CUdeviceptr[] pointers, long[] sizes, float[] weightDecays) {
        @Override public boolean equals(Object o) {
            return o instanceof TableKey k && Arrays.equals(pointers, k.pointers) && Arrays.equals(sizes, k.sizes)
                    && Arrays.equals(weightDecays, k.weightDecays);
        }
        @Override public int hashCode() {
            return 31 * (31 * Arrays.hashCode(pointers) + Arrays.hashCode(sizes)) + Arrays.hashCode(weightDecays);
        }
    }

    /** Tables of recent lists (gradients; parameters with gradients and moments), least recently used first. */
    private final Map<TableKey, DeviceTable> deviceTables = new LinkedHashMap<>(16, 0.75f, true);
    private static final int DEVICE_TABLE_CACHE = 8;

    /**
     * The table for roles[r][i] (tensor i's storage in role r, holding at least ns[i] floats), built and
     * uploaded on first use, then reused: an optimizer passes the same storages every step.
     */
    private DeviceTable deviceTable(String op, Storage[][] roles, String[] roleNames, long[] ns, float[] weightDecays) {
        int count = ns.length, R = roles.length;
        CUdeviceptr[] flat = new CUdeviceptr[R * count];
        for (int r = 0; r < R; r++) {
            if (roles[r].length != count) {
                throw new IllegalArgumentException(op + ": " + roles[r].length + " " + roleNames[r] + " for " + count + " sizes");
            }
            for (int i = 0; i < count; i++) {
                // checked inline: a name built for each of BERT-base's 804 storages cost more than the launch
                CudaStorage c = of(roles[r][i], op);
                if (c.size() < ns[i]) need(c, ns[i], op, roleNames[r] + "[" + i + "]");
                flat[r * count + i] = c.ptr();
            }
        }
        bind();
        TableKey key = new TableKey(flat, ns.clone(), weightDecays == null ? new float[0] : weightDecays.clone());
        DeviceTable table = deviceTables.get(key);
        if (table != null) return table;

        TensorList.Plan plan = TensorList.plan(ns);
        int chunks = plan.chunks();
        long pointerBytes = 8L * R * count, sizeBytes = 8L * count, startBytes = 8L * chunks, decayBytes = 4L * count;
        long bytes = pointerBytes + sizeBytes + startBytes + decayBytes + 4L * chunks;
        CudaStorage memory = allocateUninitialised((bytes + 3) / 4);
        CUdeviceptr base = memory.ptr();
        CUdeviceptr[] pointers = new CUdeviceptr[R];
        // The table is written on the host, then uploaded whole: [pointers R*count][sizes][starts][decays][tensors].
        MemorySegment host = MemorySegment.ofArray(new byte[(int) bytes]);
        for (int i = 0; i < R * count; i++) host.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 8L * i, ForeignLaunch.address(flat[i]));
        MemorySegment.copy(MemorySegment.ofArray(ns), 0, host, pointerBytes, sizeBytes);
        MemorySegment.copy(MemorySegment.ofArray(plan.chunkStart()), 0, host, pointerBytes + sizeBytes, startBytes);
        if (weightDecays != null) MemorySegment.copy(MemorySegment.ofArray(weightDecays), 0, host, pointerBytes + sizeBytes + startBytes, decayBytes);
        MemorySegment.copy(MemorySegment.ofArray(plan.chunkTensor()), 0, host, pointerBytes + sizeBytes + startBytes + decayBytes, 4L * chunks);
        uploadBytes(host, base);
        for (int r = 0; r < R; r++) pointers[r] = base.withByteOffset(8L * r * count);
        CUdeviceptr sizes = base.withByteOffset(pointerBytes), starts = base.withByteOffset(pointerBytes + sizeBytes);
        CUdeviceptr decays = base.withByteOffset(pointerBytes + sizeBytes + startBytes);
        CUdeviceptr tensors = base.withByteOffset(pointerBytes + sizeBytes + startBytes + decayBytes);
        table = new DeviceTable(memory, pointers, sizes, starts, decays, tensors, chunks);
        deviceTables.put(key, table);
        if (deviceTables.size() > DEVICE_TABLE_CACHE) {
            var eldest = deviceTables.entrySet().iterator().next();
            allocator.release(eldest.getValue().memory().detach());   // stream order protects kernels still queued on it
            deviceTables.remove(eldest.getKey());
        }
        return table;
    }

    @Override
    public String toString() {
        return "cuda:" + options.device() + " (" + deviceName + ", sm_" + computeMajor + computeMinor + ", " + smCount + " SMs; "
                + gemm.describe() + "; kernels: " + kernelChoice.reason() + "; launches: cuLaunchKernel via java.lang.foreign"
                + (stepGraphs != null ? ", training steps in CUDA graphs" : "") + ")";
    }
}
