package jbert.kernels.memory;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

/** The device side of the {@link CachingAllocator}: cuMemAlloc and cuMemFree, out of memory as null. */
public final class DriverMemory implements CachingAllocator.DeviceMemory<CUdeviceptr> {
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
