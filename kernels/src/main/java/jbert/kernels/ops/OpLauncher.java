package jbert.kernels.ops;

import jbert.engine.Storage;
import jbert.kernels.driver.CudaDevice;
import jbert.kernels.driver.Grids;
import jbert.kernels.driver.Kernel;
import jbert.kernels.driver.KernelModules;
import jbert.kernels.memory.CudaMemory;
import jbert.kernels.memory.CudaStorage;
import jbert.kernels.memory.DeviceTables;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * The base of the launchers of this package, one per {@code .cu} file: the names a launch is written
 * with (kernel, grid, THREADS, stream), so that each launcher's methods read as the launch they make.
 */
abstract class OpLauncher {
    /** Threads per block of every launch here ({@link Grids#THREADS}). */
    static final int THREADS = Grids.THREADS;

    final Grids grids;
    /** The device's one stream: every launch is queued on it, in order. */
    final CUstream stream;
    private final CudaDevice device;
    private final KernelModules kernels;
    private final CudaMemory memory;
    private final DeviceTables tables;

    OpLauncher(LaunchContext c) {
        this.device = c.device();
        this.kernels = c.kernels();
        this.grids = c.grids();
        this.memory = c.memory();
        this.tables = c.tables();
        this.stream = c.device().stream();
    }

    final Kernel kernel(String family, String name) { return kernels.kernel(family, name); }

    /** Blocks for a grid-stride loop over n elements ({@link Grids#stride}). */
    final int grid(long n) { return grids.stride(n); }

    /** Blocks for one warp per row ({@link Grids#warpRows}). */
    static int warpRowsGrid(long rows) { return Grids.warpRows(rows); }

    /** Makes the device's context current on this thread (once per thread). */
    final void bind() { device.bind(); }

    /** Scratch memory for a launch; released after it (stream order keeps it until the kernels have run). */
    final CudaStorage allocateUninitialised(long n) { return memory.allocateUninitialised(n); }

    final void release(Storage s) { memory.release(s); }

    final CudaStorage deviceInts(int[] ids, int n) { return memory.deviceInts(ids, n); }

    /** A read-back: waits for the queued work, then copies. */
    final void downloadBytes(CUdeviceptr src, Pointer dst, long bytes) { memory.downloadBytes(src, dst, bytes); }

    final void fillWords(CUdeviceptr dst, int bits, long n) { memory.fillWords(dst, bits, n); }

    /** A list's table for the multi-tensor kernels ({@link DeviceTables#table}). */
    final DeviceTables.Table deviceTable(String op, Storage[][] roles, String[] roleNames, long[] ns, float[] weightDecays) {
        return tables.table(op, roles, roleNames, ns, weightDecays);
    }

    /** Blocks of a multi-tensor launch ({@link Grids#multiTensor}). */
    final int multiTensorGrid(DeviceTables.Table t) { return grids.multiTensor(t.chunks()); }
}
