package jbert.kernels.driver;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUresult;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Kernel launches through the driver's own {@code cuLaunchKernel}, called with java.lang.foreign.
 *
 * <p>Why: a training step of BERT-base is 2,354 backend calls, and at the fine-tuning protocol's
 * size (B=8, T=64) the GPU finishes each kernel before the host has issued the next (on an H200 the
 * step took 16 ms, a B=1, T=8 step with almost no GPU work 20 ms). JCuda's {@code cuLaunchKernel}
 * takes the parameters as a Java array of pointers to one-element Java arrays, which its native code
 * walks and pins argument by argument. Here each kernel owns one off-heap parameter block, filled in
 * place and handed to the driver as is ({@code void** kernelParams}; the driver copies the values at
 * the call, so the block is reused by the next launch). Measured on that H200: a backend call's host
 * cost 6.8 µs with JCuda's binding, 3.6 µs with this one (bench/RESULTS.md, GPU, change 6).
 *
 * <p>The driver library is the one JCuda already loaded ({@code libcuda.so.1}); JCuda still opens
 * the device, loads the modules and finds the functions, and its handles' native values are read
 * here.
 */
public final class ForeignLaunch implements Kernel.Launcher {
    private final MethodHandle cuLaunchKernel;

    /** The native value of a JCuda handle or pointer, and a pointer's byte offset: JCuda keeps both private. */
    private static final VarHandle NATIVE_POINTER, BYTE_OFFSET;

    static {
        try {
            NATIVE_POINTER = MethodHandles.privateLookupIn(NativePointerObject.class, MethodHandles.lookup())
                    .findVarHandle(NativePointerObject.class, "nativePointer", long.class);
            BYTE_OFFSET = MethodHandles.privateLookupIn(Pointer.class, MethodHandles.lookup())
                    .findVarHandle(Pointer.class, "byteOffset", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Looks cuLaunchKernel up in {@code lookup} (the driver library, or a test's fake). */
    public ForeignLaunch(SymbolLookup lookup) {
        MemorySegment f = lookup.find("cuLaunchKernel")
                .orElseThrow(() -> new IllegalStateException("the CUDA driver library has no symbol cuLaunchKernel"));
        // CUresult cuLaunchKernel(CUfunction f, unsigned gridX, gridY, gridZ, blockX, blockY, blockZ,
        //                         unsigned sharedMemBytes, CUstream stream, void** kernelParams, void** extra)
        cuLaunchKernel = Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    /** The driver library JCuda loaded. */
    public static ForeignLaunch driver() {
        return new ForeignLaunch(SymbolLookup.libraryLookup("libcuda.so.1", Arena.global()));
    }

    /** The native value of a JCuda handle (CUfunction, CUstream; null is the legacy default stream, 0). */
    public static long handle(NativePointerObject o) {
        return o == null ? 0L : (long) NATIVE_POINTER.get(o);
    }

    /** The raw device address of a JCuda pointer, byte offset included. */
    public static long address(Pointer p) {
        return (long) NATIVE_POINTER.get(p) + (long) BYTE_OFFSET.get(p);
    }

    /**
     * One kernel's parameter block: {@code count} pointers (the {@code void*[]} the driver reads), each
     * to its own 8-byte slot after them.
     */
    public static final class Params {
        final MemorySegment block;
        private final int count;

        public Params(int count) {
            this.count = count;
            block = Arena.ofAuto().allocate(16L * Math.max(count, 1), 8);
            for (int i = 0; i < count; i++) block.set(ADDRESS, 8L * i, block.asSlice(8L * count + 8L * i));
        }

        public void setLong(int i, long v) { block.set(JAVA_LONG, slot(i), v); }
        public void setInt(int i, int v) { block.set(JAVA_INT, slot(i), v); }
        public void setFloat(int i, float v) { block.set(JAVA_FLOAT, slot(i), v); }

        /** The value slot of parameter i (what pointer i points to). */
        long slot(int i) { return 8L * count + 8L * i; }

        /** The values, as a parameter block of their own (a graph keeps one per kernel node). */
        public Params copy() {
            Params c = new Params(count);
            c.setValues(this);
            return c;
        }

        /** Whether {@code other} holds the same values (both blocks of one kernel). */
        public boolean sameValues(Params other) {
            return MemorySegment.mismatch(block, slot(0), slot(count), other.block, other.slot(0), other.slot(count)) < 0;
        }

        public void setValues(Params other) {
            MemorySegment.copy(other.block, other.slot(0), block, slot(0), 8L * count);
        }
    }

    @Override
    public void launch(Kernel kernel, long function, int gridX, int gridY, int gridZ, int blockX, int blockY,
                       int sharedBytes, long stream, Params params) {
        launch(kernel.name(), function, gridX, gridY, gridZ, blockX, blockY, sharedBytes, stream, params);
    }

    void launch(String name, long function, int gridX, int gridY, int gridZ, int blockX, int blockY,
                int sharedBytes, long stream, Params params) {
        int status;
        try {
            status = (int) cuLaunchKernel.invokeExact(MemorySegment.ofAddress(function), gridX, gridY, gridZ, blockX, blockY, 1,
                    sharedBytes, MemorySegment.ofAddress(stream), params.block, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("cuLaunchKernel failed for " + name + ": " + t, t);
        }
        if (status != 0) {
            throw new jcuda.CudaException(CUresult.stringFor(status) + " launching " + name
                    + String.format(" (grid %d x %d x %d, block %d x %d, %d bytes shared)", gridX, gridY, gridZ, blockX, blockY, sharedBytes));
        }
    }
}
