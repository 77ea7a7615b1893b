package jbert.kernels.driver;

import jbert.kernels.Gcc;
import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel launches through java.lang.foreign without a GPU: gcc builds {@code src/test/native/fake_cuda_launch.c},
 * a cuLaunchKernel that records what it receives. Each Java value must arrive in its 8-byte slot as
 * the CUDA signature reads it (pointer, int, float, long long, bool as int), the launch shape and
 * handles unchanged, and a failing status must become an error naming the kernel. The real driver
 * runs every GPU test on the device.
 */
class ForeignLaunchTest {
    @TempDir static Path dir;
    static SymbolLookup fake;

    @BeforeAll static void buildTheFakeDriver() throws Exception {
        Path lib = dir.resolve("libfakecuda.so");
        Gcc.run("-shared", "-fPIC", "-O1", "-o", lib.toString(),
                Path.of("src/test/native/fake_cuda_launch.c").toAbsolutePath().toString());
        fake = SymbolLookup.libraryLookup(lib, Arena.global());
    }

    static long call(String symbol, int... arg) throws Throwable {
        boolean wide = symbol.equals("fake_param") || symbol.equals("fake_function") || symbol.equals("fake_stream");
        FunctionDescriptor fd = arg.length == 0
                ? (wide ? FunctionDescriptor.of(JAVA_LONG) : FunctionDescriptor.of(JAVA_INT))
                : (wide ? FunctionDescriptor.of(JAVA_LONG, JAVA_INT) : FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        MethodHandle h = Linker.nativeLinker().downcallHandle(fake.find(symbol).orElseThrow(), fd);
        Object r = arg.length == 0 ? h.invoke() : h.invoke(arg[0]);
        return r instanceof Long l ? l : (long) (int) (Integer) r;
    }

    /** A kernel (ptr x, int n, float a, long long seed, int flag), as KernelSources reads PTX signatures. */
    static Kernel kernel() {
        return new Kernel("fake_kernel", new CUfunction(), List.of(".u64", ".u32", ".f32", ".u64", ".u32"), new ForeignLaunch(fake));
    }

    @Test void everyParameterArrivesInItsSlotAndTheBlockIsRefilledForTheNextLaunch() throws Throwable {
        Kernel k = kernel();
        int before = (int) call("fake_launches");
        k.launch(3, 1, 1, 256, 1, 48, null, new CUdeviceptr().withByteOffset(0x1000), 7, 2.5f, 123456789012L, true);
        assertEquals(before + 1, call("fake_launches"));
        assertEquals(0x1000, call("fake_param", 0));
        assertEquals(7, (int) call("fake_param", 1));
        assertEquals(2.5f, Float.intBitsToFloat((int) call("fake_param", 2)));
        assertEquals(123456789012L, call("fake_param", 3));
        assertEquals(1, (int) call("fake_param", 4));
        int[] shape = new int[7];
        for (int i = 0; i < 7; i++) shape[i] = (int) call("fake_shape", i);
        assertEquals(List.of(3, 1, 1, 256, 1, 1, 48), java.util.Arrays.stream(shape).boxed().toList());
        assertEquals(0, call("fake_stream"), "the legacy default stream is handle 0");
        assertEquals(0, call("fake_function"));

        k.launch(5, 128, null, new CUdeviceptr().withByteOffset(0x2040), -1, -0.5f, -3L, false);
        assertEquals(0x2040, call("fake_param", 0));
        assertEquals(-1, (int) call("fake_param", 1));
        assertEquals(-0.5f, Float.intBitsToFloat((int) call("fake_param", 2)));
        assertEquals(-3L, call("fake_param", 3));
        assertEquals(0, (int) call("fake_param", 4));
        assertEquals(5, (int) call("fake_shape", 0));
        assertEquals(128, (int) call("fake_shape", 3));
    }

    @Test void aFailedLaunchNamesTheKernelTheErrorAndTheShape() throws Throwable {
        Kernel k = kernel();
        call("fake_fail_next", 1);   // CUDA_ERROR_INVALID_VALUE
        CudaException e = assertThrows(CudaException.class,
                () -> k.launch(2, 64, null, new CUdeviceptr(), 1, 1f, 1L, false));
        assertTrue(e.getMessage().startsWith("CUDA_ERROR_INVALID_VALUE launching fake_kernel (grid 2 x 1 x 1, block 64 x 1"), e.getMessage());
    }

    @Test void aJCudaPointerGivesItsAddressWithTheByteOffset() {
        assertEquals(0, ForeignLaunch.address(new CUdeviceptr()));
        assertEquals(48, ForeignLaunch.address(new CUdeviceptr().withByteOffset(48)));
        assertEquals(0, ForeignLaunch.handle(null));
    }
}
