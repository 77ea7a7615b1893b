package jbert.kernels.memory;

import jbert.engine.Storage;
import jcuda.driver.CUdeviceptr;

/** A block of device memory holding {@link #size()} floats, from the backend's {@link CachingAllocator}. */
public final class CudaStorage implements Storage {
    private final long size;
    private CachingAllocator.Block<CUdeviceptr> block;

    CudaStorage(long size, CachingAllocator.Block<CUdeviceptr> block) {
        this.size = size;
        this.block = block;
    }

    @Override
    public long size() { return size; }

    /** The device pointer; throws once the storage went back to the allocator. */
    public CUdeviceptr ptr() {
        if (block == null) throw new IllegalStateException("CUDA storage of " + size + " floats used after release");
        return block.handle();
    }

    /** Hands the block over for release, exactly once. */
    CachingAllocator.Block<CUdeviceptr> detach() {
        if (block == null) throw new IllegalStateException("CUDA storage of " + size + " floats released twice");
        CachingAllocator.Block<CUdeviceptr> b = block;
        block = null;
        return b;
    }
}
