package jbert.kernels.gemm;

import jbert.kernels.driver.ForeignLaunch;
import jcuda.driver.CUdeviceptr;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Matrix products through cuBLAS called with Java's foreign-function API ({@code java.lang.foreign}),
 * for the machines JCublas 12.6 cannot serve: its JNI library imports {@code libcublas.so.12}, and a
 * CUDA 13 installation has only {@code libcublas.so.13}. The C API of the few functions used here
 * ({@code cublasCreate_v2}, {@code cublasSetMathMode}, {@code cublasGetVersion_v2}, {@code cublasSetStream_v2},
 * {@code cublasSgemm_v2}, {@code cublasSgemmStridedBatched}) is the same in cuBLAS 12 and 13, so
 * one binding serves any of them; {@link GemmChoice} tries JCublas first and this second.
 *
 * <p>The row-major to column-major mapping is {@link Gemm.ColumnMajor}, as for {@link CublasGemm}.
 *
 * <p>Everything runs on the backend's stream ({@link #setStream}), in the context the backend made
 * current: cuBLAS's runtime uses the context current to the calling thread. alpha and beta are host scalars (cuBLAS's default pointer
 * mode): cuBLAS reads them before the call returns, so one small host buffer serves every call.
 */
final class NativeCublasGemm implements Gemm {
    // cublasMath_t values, from cublas_api.h.
    private static final int CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3;

    /** cublasStatus_t names, for error messages (cublas_api.h). */
    private static final Map<Integer, String> STATUS = Map.of(
            1, "CUBLAS_STATUS_NOT_INITIALIZED", 3, "CUBLAS_STATUS_ALLOC_FAILED", 7, "CUBLAS_STATUS_INVALID_VALUE",
            8, "CUBLAS_STATUS_ARCH_MISMATCH", 11, "CUBLAS_STATUS_MAPPING_ERROR", 13, "CUBLAS_STATUS_EXECUTION_FAILED",
            14, "CUBLAS_STATUS_INTERNAL_ERROR", 15, "CUBLAS_STATUS_NOT_SUPPORTED", 16, "CUBLAS_STATUS_LICENSE_ERROR");

    /** Raised when no usable cuBLAS library is found; the message says where it looked and why each failed. */
    static final class Unavailable extends Exception {
        Unavailable(String message) { super(message); }
    }

    private final Path library;
    private final boolean tf32;
    private final int version;
    private final MethodHandle sgemm, sgemmStridedBatched, setStream;
    private final MemorySegment handle;
    /** alpha at offset 0, beta at offset 4: the host scalars of the next call. */
    private final MemorySegment scalars = Arena.global().allocate(JAVA_FLOAT, 2);

    private NativeCublasGemm(Path library, SymbolLookup lookup, boolean tf32) throws Unavailable {
        this.library = library;
        this.tf32 = tf32;
        Linker linker = Linker.nativeLinker();
        MethodHandle create = downcall(linker, lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle mathMode = downcall(linker, lookup, "cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        MethodHandle getVersion = downcall(linker, lookup, "cublasGetVersion_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // cublasSgemm_v2(handle, transa, transb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc)
        this.sgemm = downcall(linker, lookup, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        // cublasSgemmStridedBatched(handle, transa, transb, m, n, k, *alpha, A, lda, strideA,
        //                           B, ldb, strideB, *beta, C, ldc, strideC, batchCount); strides are long long
        this.sgemmStridedBatched = downcall(linker, lookup, "cublasSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
        // cublasSetStream_v2(handle, cudaStream_t): a driver CUstream is a runtime cudaStream_t
        this.setStream = downcall(linker, lookup, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        MemorySegment slot = Arena.global().allocate(ADDRESS);
        check(invoke(create, slot), "cublasCreate_v2");
        this.handle = slot.get(ADDRESS, 0);
        check(invoke(mathMode, handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        MemorySegment v = Arena.global().allocate(JAVA_INT);
        check(invoke(getVersion, handle, v), "cublasGetVersion_v2");
        this.version = v.get(JAVA_INT, 0);
    }

    /**
     * Opens the first cuBLAS that loads: {@code jbert.cublas.library} if set (a file), else
     * {@code libcublas.so.13} through the system loader (LD_LIBRARY_PATH, the ldconfig cache), else in
     * the usual toolkit folders ({@link #candidateFolders}). The library's own dependency
     * {@code libcublasLt} is loaded from the same folder first, so a folder that is not on the
     * loader's path works too.
     *
     * <p>{@code jbert.cublas.library} and the toolkit variables are library discovery, not a setting:
     * like {@code LD_LIBRARY_PATH} they say where this machine keeps a library, so they are read here,
     * where the library is opened, and are not part of {@link jbert.engine.BackendOptions} (which says
     * how to compute).
     */
    static NativeCublasGemm open(boolean tf32) throws Unavailable {
        String explicit = System.getProperty("jbert.cublas.library");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) throw new Unavailable("jbert.cublas.library=" + explicit + ": no such file");
            return open(p, tf32);
        }
        try {
            return new NativeCublasGemm(Path.of("libcublas.so.13"), SymbolLookup.libraryLookup("libcublas.so.13", Arena.global()), tf32);
        } catch (IllegalArgumentException e) {
            // not on the loader path: try the toolkit folders
        }
        List<Path> folders = candidateFolders(System.getenv());
        for (Path folder : folders) {
            Path p = folder.resolve("libcublas.so.13");
            if (Files.isRegularFile(p)) return open(p, tf32);
        }
        throw new Unavailable("not on the loader path, nor in "
                + String.join(", ", folders.stream().map(Path::toString).toList()));
    }

    /** Opens the cuBLAS at {@code library} (a file). */
    static NativeCublasGemm open(Path library, boolean tf32) throws Unavailable {
        String name = library.getFileName().toString();
        // libcublas.so.13 -> libcublasLt.so.13: the one library it needs that may not be on the loader path.
        Path lt = library.resolveSibling(name.replace("libcublas.", "libcublasLt."));
        try {
            if (!lt.equals(library) && Files.isRegularFile(lt)) SymbolLookup.libraryLookup(lt, Arena.global());
            return new NativeCublasGemm(library, SymbolLookup.libraryLookup(library, Arena.global()), tf32);
        } catch (IllegalArgumentException e) {
            throw new Unavailable(library + " did not load: " + e.getMessage());
        }
    }

    /**
     * Folders a CUDA 13 toolkit puts libcublas.so.13 in: {@code $CUDA_HOME/lib64}, {@code $CUDA_PATH/lib64},
     * {@code /usr/local/cuda/lib64}, then {@code /usr/local/cuda-13*}{@code /lib64} (newest first).
     */
    static List<Path> candidateFolders(Map<String, String> env) {
        List<Path> folders = new ArrayList<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) folders.add(Path.of(v, "lib64"));
        }
        folders.add(Path.of("/usr/local/cuda/lib64"));
        try (Stream<Path> s = Files.list(Path.of("/usr/local"))) {
            s.filter(p -> p.getFileName().toString().startsWith("cuda-13"))
                    .sorted((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()))
                    .forEach(p -> folders.add(p.resolve("lib64")));
        } catch (java.io.IOException e) {
            // no /usr/local: nothing more to try
        }
        return folders;
    }

    private static MethodHandle downcall(Linker linker, SymbolLookup lookup, String symbol, FunctionDescriptor fd) throws Unavailable {
        MemorySegment address = lookup.find(symbol).orElseThrow(() -> new Unavailable("the library has no symbol " + symbol));
        return linker.downcallHandle(address, fd);
    }

    private static int invoke(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void check(int status, String call) throws Unavailable {
        if (status != 0) throw new Unavailable(call + " returned " + STATUS.getOrDefault(status, "status " + status));
    }

    @Override
    public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, CUdeviceptr A, CUdeviceptr B, float beta, CUdeviceptr C) {
        matmul(transA, transB, batch, M, N, K, alpha, ForeignLaunch.address(A), ForeignLaunch.address(B), beta, ForeignLaunch.address(C));
    }

    /** {@link #matmul(boolean, boolean, int, int, int, int, float, CUdeviceptr, CUdeviceptr, float, CUdeviceptr)} on raw addresses. */
    synchronized void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                             float alpha, long A, long B, float beta, long C) {
        if (batch == 0 || M == 0 || N == 0) return;
        ColumnMajor cm = ColumnMajor.of(transA, transB, M, N, K);
        int opB = cm.opB(), opA = cm.opA(), ldb = cm.ldb(), lda = cm.lda();
        scalars.set(JAVA_FLOAT, 0, alpha);
        scalars.set(JAVA_FLOAT, 4, beta);
        MemorySegment a = scalars, b = scalars.asSlice(4);
        MemorySegment pA = MemorySegment.ofAddress(A), pB = MemorySegment.ofAddress(B), pC = MemorySegment.ofAddress(C);
        int status;
        try {
            if (batch == 1) {
                status = (int) sgemm.invokeExact(handle, opB, opA, N, M, K, a, pB, ldb, pA, lda, b, pC, N);
            } else {
                status = (int) sgemmStridedBatched.invokeExact(handle, opB, opA, N, M, K, a, pB, ldb, (long) K * N,
                        pA, lda, (long) M * K, b, pC, N, (long) M * N, batch);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("cuBLAS call failed: " + t, t);
        }
        if (status != 0) {
            throw new IllegalStateException((batch == 1 ? "cublasSgemm_v2" : "cublasSgemmStridedBatched") + " returned "
                    + STATUS.getOrDefault(status, "status " + status) + String.format(" (batch %d, M %d, N %d, K %d, transA %b, transB %b)",
                    batch, M, N, K, transA, transB));
        }
    }

    @Override
    public void setStream(jcuda.driver.CUstream stream) {
        int status = invoke(setStream, handle, MemorySegment.ofAddress(ForeignLaunch.handle(stream)));
        if (status != 0) throw new IllegalStateException("cublasSetStream_v2 returned " + STATUS.getOrDefault(status, "status " + status));
    }

    /** cuBLAS's version number, e.g. 130100 for 13.1.0. */
    int version() { return version; }

    Path library() { return library; }

    @Override
    public String describe() {
        return String.format("cuBLAS %d.%d via java.lang.foreign (%s)", version / 10000, version / 100 % 100, tf32 ? "TF32 tensor ops" : "fp32");
    }
}
