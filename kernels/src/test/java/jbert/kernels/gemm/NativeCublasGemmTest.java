package jbert.kernels.gemm;

import jbert.engine.Backend;
import jbert.engine.Storage;
import jbert.engine.cpu.CpuBackend;
import jbert.kernels.Gcc;
import jbert.kernels.Gpu;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The foreign-function cuBLAS binding without a GPU: gcc builds {@code src/test/native/fake_cublas.c}
 * into a {@code libcublas.so.13} that depends on a {@code libcublasLt.so.13} beside it (as the real
 * one does), and computes cuBLAS's column-major contract on host memory. The binding's row-major
 * products, on host addresses, must then equal the CPU reference for every transpose combination,
 * batched or not. The real library on a GPU is {@code jbert.kernels.CudaGemmTest}'s.
 */
class NativeCublasGemmTest {
    @TempDir static Path dir;
    static Path fake;

    @BeforeAll static void buildTheFakeLibrary() throws Exception {
        Path empty = dir.resolve("lt.c");
        Files.writeString(empty, "int cublasLtFakeMarker(void) { return 13; }\n");
        Gcc.run("-shared", "-fPIC", "-Wl,-soname,libcublasLt.so.13", "-o", dir.resolve("libcublasLt.so.13").toString(), empty.toString());
        fake = dir.resolve("libcublas.so.13");
        // Linked against the Lt library by its soname: loading it needs libcublasLt.so.13 found first.
        Gcc.run("-shared", "-fPIC", "-O1", "-o", fake.toString(), Path.of("src/test/native/fake_cublas.c").toAbsolutePath().toString(),
                "-L" + dir, "-l:libcublasLt.so.13");
    }

    static int fakeCounter(String symbol) throws Throwable {
        var lookup = SymbolLookup.libraryLookup(fake, Arena.global());
        var h = Linker.nativeLinker().downcallHandle(lookup.find(symbol).orElseThrow(), FunctionDescriptor.of(JAVA_INT));
        return (int) h.invokeExact();
    }

    @Test void opensTheLibraryWithItsLtDependencyBesideItAndSetsTheMathMode() throws Throwable {
        NativeCublasGemm fp32 = NativeCublasGemm.open(fake, false);
        assertEquals(0, fakeCounter("fake_cublas_math_mode"), "CUBLAS_DEFAULT_MATH for fp32");
        assertEquals(130100, fp32.version());
        assertEquals("cuBLAS 13.1 via java.lang.foreign (fp32)", fp32.describe());
        NativeCublasGemm tf32 = NativeCublasGemm.open(fake, true);
        assertEquals(3, fakeCounter("fake_cublas_math_mode"), "CUBLAS_TF32_TENSOR_OP_MATH for --tf32");
        assertEquals("cuBLAS 13.1 via java.lang.foreign (TF32 tensor ops)", tf32.describe());
    }

    @Test void rowMajorProductsMatchTheReferenceForEveryTransposeAndBatch() throws Throwable {
        NativeCublasGemm gemm = NativeCublasGemm.open(fake, false);
        Backend cpu = CpuBackend.reference();
        Random r = new Random(3);
        int[][] shapes = {{1, 1, 1, 1}, {1, 3, 5, 7}, {2, 33, 65, 17}, {1, 130, 7, 129}, {12, 9, 11, 16}, {1, 4, 6, 0}};
        int singles = fakeCounter("fake_cublas_gemm_calls"), batched = fakeCounter("fake_cublas_batched_calls");
        int expectSingles = 0, expectBatched = 0;
        for (int[] s : shapes) {
            int batch = s[0], M = s[1], N = s[2], K = s[3];
            for (int combo = 0; combo < 4; combo++) {
                boolean tA = (combo & 1) != 0, tB = (combo & 2) != 0;
                float alpha = combo == 2 ? -0.5f : 1.25f, beta = combo == 0 ? 0f : 0.75f;
                float[] a = Gpu.random(r, batch * M * K, 1), b = Gpu.random(r, batch * K * N, 1), c = Gpu.random(r, batch * M * N, 1);
                Storage C = cpu.upload(c);
                cpu.matmul(tA, tB, batch, M, N, K, alpha, cpu.upload(a), cpu.upload(b), beta, C);
                float[] want = cpu.download(C);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment sa = host(arena, a), sb = host(arena, b), sc = host(arena, c);
                    gemm.matmul(tA, tB, batch, M, N, K, alpha, sa.address(), sb.address(), beta, sc.address());
                    float[] got = sc.toArray(JAVA_FLOAT);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 1e-5 * (1 + Math.abs(want[i])),
                                String.format("batch %d M %d N %d K %d tA %b tB %b, element %d", batch, M, N, K, tA, tB, i));
                    }
                }
                if (batch == 1) expectSingles++; else expectBatched++;
            }
        }
        assertEquals(expectSingles, fakeCounter("fake_cublas_gemm_calls") - singles, "one cublasSgemm_v2 per unbatched product");
        assertEquals(expectBatched, fakeCounter("fake_cublas_batched_calls") - batched, "one strided-batched call per batched product");
    }

    @Test void betaZeroNeverReadsC() throws Throwable {
        NativeCublasGemm gemm = NativeCublasGemm.open(fake, false);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = host(arena, new float[]{1, 2}), b = host(arena, new float[]{3, 4});
            MemorySegment c = host(arena, new float[]{Float.NaN, Float.NaN, Float.NaN, Float.NaN});
            gemm.matmul(false, false, 1, 2, 2, 1, 1f, a.address(), b.address(), 0f, c.address());
            assertArrayEquals(new float[]{3, 4, 6, 8}, c.toArray(JAVA_FLOAT));
        }
    }

    @Test void aFileThatIsNotALibraryIsAOneLineReasonNamingIt() throws Exception {
        Path bogus = dir.resolve("bogus").resolve("libcublas.so.13");
        Files.createDirectories(bogus.getParent());
        Files.writeString(bogus, "not an ELF file");
        var e = assertThrows(NativeCublasGemm.Unavailable.class, () -> NativeCublasGemm.open(bogus, false));
        assertTrue(e.getMessage().startsWith(bogus + " did not load"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test void searchesCudaHomeThenTheUsualToolkitFolders() {
        List<Path> folders = NativeCublasGemm.candidateFolders(Map.of("CUDA_HOME", "/opt/cuda-x", "CUDA_PATH", "/opt/cuda-y"));
        assertEquals(Path.of("/opt/cuda-x/lib64"), folders.get(0));
        assertEquals(Path.of("/opt/cuda-y/lib64"), folders.get(1));
        assertEquals(Path.of("/usr/local/cuda/lib64"), folders.get(2));
        assertEquals(Path.of("/usr/local/cuda/lib64"), NativeCublasGemm.candidateFolders(Map.of()).get(0));
    }

    /** A stand-in for a GEMM path in the choice tests: only its name matters. */
    record Named(String describe) implements Gemm {
        @Override public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K, float alpha,
                                     CUdeviceptr A, CUdeviceptr B, float beta, CUdeviceptr C) {
            throw new UnsupportedOperationException();
        }
    }

    static final Gemm OWN = new Named("own");

    static java.util.function.Supplier<Gemm> missingJcublas() {
        return () -> { throw new UnsatisfiedLinkError("no libcublas.so.12"); };
    }

    @Test void autoTakesJcublasFirstThenTheForeignBindingThenTheOwnKernelsSayingWhich() throws Exception {
        List<String> notices = new java.util.ArrayList<>();
        Gemm jc = new Named("jcublas");
        assertSame(jc, GemmChoice.choose("auto", () -> jc, () -> { throw new AssertionError("not tried"); }, () -> OWN, "x", notices::add));
        assertEquals(List.of(), notices, "JCublas, the first choice, needs no notice");

        Gemm g = GemmChoice.choose("auto", missingJcublas(), () -> NativeCublasGemm.open(fake, false), () -> OWN, "x", notices::add);
        assertEquals("cuBLAS 13.1 via java.lang.foreign (fp32)", g.describe());
        assertEquals(1, notices.size());
        assertTrue(notices.get(0).startsWith("jbert: libcublas.so.12 not found") && notices.get(0).contains("cuBLAS 13.1 via java.lang.foreign")
                && notices.get(0).endsWith(fake.toString()), notices.get(0));

        notices.clear();
        NativeCublasGemm.Unavailable absent = new NativeCublasGemm.Unavailable("not on the loader path");
        assertSame(OWN, GemmChoice.choose("auto", missingJcublas(), () -> { throw absent; }, () -> OWN, "Matmul.cu, fp32", notices::add));
        assertEquals(List.of("jbert: libcublas.so.12 not found (JCublas 12.6 needs CUDA 12's cuBLAS); libcublas.so.13: not on the loader path; "
                + "matrix products use jbert's own tiled GEMM kernels (Matmul.cu, fp32)"), notices);
    }

    @Test void cublasWithoutEitherLibraryIsAnErrorAndOwnNeverTriesCublas() {
        NativeCublasGemm.Unavailable absent = new NativeCublasGemm.Unavailable("not on the loader path");
        var e = assertThrows(IllegalStateException.class,
                () -> GemmChoice.choose("cublas", missingJcublas(), () -> { throw absent; }, () -> OWN, "x", n -> fail(n)));
        assertTrue(e.getMessage().contains("libcublas.so.12 not found") && e.getMessage().contains("not on the loader path"), e.getMessage());
        assertSame(OWN, GemmChoice.choose("own", () -> { throw new AssertionError("not tried"); }, () -> { throw new AssertionError("not tried"); },
                () -> OWN, "x", n -> fail(n)));
        assertThrows(IllegalArgumentException.class, () -> GemmChoice.choose("fast", missingJcublas(), () -> null, () -> OWN, "x", n -> { }));
    }

    static MemorySegment host(Arena arena, float[] values) {
        MemorySegment s = arena.allocate(JAVA_FLOAT, Math.max(1, values.length));
        MemorySegment.copy(values, 0, s, JAVA_FLOAT, 0, values.length);
        return s;
    }
}
