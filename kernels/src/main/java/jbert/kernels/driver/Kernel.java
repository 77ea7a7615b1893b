package jbert.kernels.driver;

import jbert.kernels.memory.CudaStorage;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;

/**
 * One {@code extern "C"} kernel of a loaded module, launched with Java values for its parameters:
 * Integer to int, Long to long long, Float to float, Boolean to int (0/1), a {@link CudaStorage} or
 * {@link CUdeviceptr} to a pointer. The order and types must match the CUDA signature.
 */
public final class Kernel {
    /**
     * Where a launch goes: the driver ({@link ForeignLaunch}), or a step graph that is being captured
     * or replayed ({@link jbert.kernels.graphs.StepGraphs}). {@code params} is the kernel's block, filled for this launch.
     */
    public interface Launcher {
        void launch(Kernel kernel, long function, int gridX, int gridY, int gridZ, int blockX, int blockY,
                    int sharedBytes, long stream, ForeignLaunch.Params params);
    }

    private final String name;
    private final Launcher launcher;
    /** This kernel's parameter block, refilled at each launch (the driver copies the values). */
    private final ForeignLaunch.Params params;
    private final long functionHandle;
    /** The PTX parameter types (".u64", ".u32", ".f32"), checked against the Java values at the first launch. */
    private final java.util.List<String> ptxParams;
    private boolean checked;

    public Kernel(String name, CUfunction function, java.util.List<String> ptxParams, Launcher launcher) {
        this.name = name;
        this.ptxParams = ptxParams;
        this.launcher = launcher;
        this.params = new ForeignLaunch.Params(ptxParams.size());
        this.functionHandle = ForeignLaunch.handle(function);
    }

    /**
     * Whether Java values of these classes fit the PTX parameter types: a mismatch would not fail the
     * launch, it would silently feed the kernel garbage. Null when they fit, else the first mismatch.
     */
    public static String mismatch(String name, java.util.List<String> ptxParams, Object... args) {
        if (args.length != ptxParams.size()) {
            return "kernel " + name + " takes " + ptxParams.size() + " parameters, launched with " + args.length;
        }
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            String want = a instanceof CudaStorage || a instanceof CUdeviceptr || a instanceof Long ? ".u64"
                    : a instanceof Float ? ".f32" : ".u32";
            String have = ptxParams.get(i).equals(".s32") ? ".u32" : ptxParams.get(i).equals(".s64") ? ".u64" : ptxParams.get(i);
            if (!want.equals(have)) {
                return "kernel " + name + " parameter " + i + " is " + ptxParams.get(i) + ", launched with a " + a.getClass().getSimpleName();
            }
        }
        return null;
    }

    public void launch(int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, CUstream stream, Object... args) {
        if (!checked) {
            String m = mismatch(name, ptxParams, args);
            if (m != null) throw new IllegalStateException(m);
            checked = true;
        }
        synchronized (params) {   // one block per kernel: two threads launching it must not interleave their fills
            for (int i = 0; i < args.length; i++) put(i, args[i]);
            launcher.launch(this, functionHandle, gridX, gridY, gridZ, blockX, blockY, sharedBytes, ForeignLaunch.handle(stream), params);
        }
    }

    /** Parameter i into the parameter block: 8-byte slots, ints and floats in their low 4 bytes. */
    private void put(int i, Object a) {
        if (a instanceof CudaStorage s) params.setLong(i, ForeignLaunch.address(s.ptr()));
        else if (a instanceof CUdeviceptr p) params.setLong(i, ForeignLaunch.address(p));
        else if (a instanceof Integer v) params.setInt(i, v);
        else if (a instanceof Long v) params.setLong(i, v);
        else if (a instanceof Float v) params.setFloat(i, v);
        else if (a instanceof Boolean v) params.setInt(i, v ? 1 : 0);
        else throw new IllegalArgumentException("kernel " + name + ": unsupported parameter type " + a.getClass().getName());
    }

    /** The entry point's name, as in its .cu file. */
    public String name() { return name; }

    /** A 1-D launch. */
    public void launch(int grid, int block, CUstream stream, Object... args) {
        launch(grid, 1, 1, block, 1, 0, stream, args);
    }
}
