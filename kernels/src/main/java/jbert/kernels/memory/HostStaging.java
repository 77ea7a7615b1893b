package jbert.kernels.memory;

import jbert.kernels.driver.ForeignLaunch;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_DEVICEMAP;
import static jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_PORTABLE;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemHostGetDevicePointer;

/**
 * Page-locked host memory, mapped into the device's address space, for the backend's small uploads
 * (a batch's ids, mask and labels; a tensor list's table). The host writes a slice and a kernel on
 * the stream copies it to device memory (copy_words_elementwise in Elementwise.cu). Why not a
 * memcpy: a copy from pageable memory waits for the GPU, and a CUDA graph can give a kernel node new
 * arguments on every replay ({@link jbert.kernels.graphs.StepGraphs}).
 *
 * <p>A slice may still be read by queued work until the stream is next synchronised, so slices are
 * handed out one after another and the buffer is reused only after {@link #reset} (called when the
 * stream is idle). When it fills up, a larger buffer takes over and the old one is freed at the reset.
 */
final class HostStaging {
    /** One mapped allocation. */
    private record Buffer(Pointer host, CUdeviceptr device, MemorySegment memory) {}

    /** A slice to write: its host view and the address a kernel reads it at. */
    record Slice(MemorySegment host, CUdeviceptr device) {}

    private static final long ALIGN = 256;
    private Buffer buffer;
    private long used;
    private final List<Buffer> retired = new ArrayList<>();

    HostStaging(long bytes) {
        buffer = allocate(bytes);
    }

    private static Buffer allocate(long bytes) {
        Pointer host = new Pointer();
        cuMemHostAlloc(host, bytes, CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_PORTABLE);
        CUdeviceptr device = new CUdeviceptr();
        cuMemHostGetDevicePointer(device, host, 0);
        return new Buffer(host, device, MemorySegment.ofAddress(ForeignLaunch.address(host)).reinterpret(bytes));
    }

    /** The next {@code bytes}, 256-byte aligned. */
    Slice take(long bytes) {
        long start = (used + ALIGN - 1) / ALIGN * ALIGN;
        if (start + bytes > buffer.memory().byteSize()) {
            retired.add(buffer);
            buffer = allocate(Math.max(2 * buffer.memory().byteSize(), (bytes + ALIGN - 1) / ALIGN * ALIGN));
            start = 0;
        }
        used = start + bytes;
        return new Slice(buffer.memory().asSlice(start, bytes), buffer.device().withByteOffset(start));
    }

    /** The stream is idle: every slice is free again. */
    void reset() {
        used = 0;
        for (Buffer b : retired) cuMemFreeHost(b.host());
        retired.clear();
    }

    /** Bytes left before {@link #take} must move to a larger buffer. */
    long remaining() { return buffer.memory().byteSize() - (used + ALIGN - 1) / ALIGN * ALIGN; }
}
