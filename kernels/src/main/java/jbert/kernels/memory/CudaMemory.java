package jbert.kernels.memory;

import jbert.engine.Storage;
import jbert.kernels.driver.CudaDevice;
import jbert.kernels.driver.Grids;
import jbert.kernels.driver.KernelModules;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

import java.lang.foreign.MemorySegment;

import static jbert.kernels.driver.Grids.THREADS;
import static jbert.kernels.memory.ArgumentChecks.need;
import static jbert.kernels.memory.ArgumentChecks.of;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/**
 * The backend's storages and the words moved into and out of them, all in order on the device's one
 * stream: storages from the {@link CachingAllocator}; fills and copies as kernels
 * ({@code fill_words_elementwise}, {@code copy_words_elementwise} in Elementwise.cu: a CUDA graph can
 * give a kernel node new arguments, not as simply a memset or memcpy node); uploads through
 * page-locked {@link HostStaging} slices and the copy kernel; downloads after the queued work.
 */
public final class CudaMemory {
    /** Uploads go through the staging buffer in parts of this size (a weight matrix in several). */
    private static final long STAGED_UPLOAD_BYTES = 1 << 20;
    /** The page-locked staging buffer's first size; a larger one takes over when a step needs more. */
    private static final long STAGING_BYTES = 8 << 20;

    private final CudaDevice device;
    private final CUstream stream;
    private final KernelModules kernels;
    private final Grids grids;
    private final CachingAllocator<CUdeviceptr> allocator;
    private final HostStaging staging;
    /** The step graphs, told of uploads and read-backs; null without graphs. */
    private final StepCapture capture;

    /** @param capture the step graphs, or null without them */
    public CudaMemory(CudaDevice device, KernelModules kernels, Grids grids, CachingAllocator<CUdeviceptr> allocator,
                      StepCapture capture) {
        this.device = device;
        this.stream = device.stream();
        this.kernels = kernels;
        this.grids = grids;
        this.allocator = allocator;
        this.staging = new HostStaging(STAGING_BYTES);
        this.capture = capture;
    }

    public CachingAllocator<CUdeviceptr> allocator() { return allocator; }

    public CudaStorage allocateUninitialised(long n) {
        if (n < 0) throw new IllegalArgumentException("allocate: negative size " + n);
        device.bind();
        return new CudaStorage(n, allocator.allocate(n * Sizeof.FLOAT));
    }

    public Storage allocate(long n) {
        CudaStorage s = allocateUninitialised(n);
        fillWords(s.ptr(), 0, n);
        return s;
    }

    public void release(Storage s) {
        allocator.release(of(s, "release").detach());
    }

    /** dst[0..n) = bits, n 32-bit words, as a kernel (see {@link HostStaging} for why not cuMemsetD32Async). */
    public void fillWords(CUdeviceptr dst, int bits, long n) {
        if (n > 0) kernels.kernel("Elementwise", "fill_words_elementwise").launch(grids.stride(n), THREADS, stream, dst, bits, n);
    }

    /** dst[0..n) = src[0..n), n 32-bit words, as a kernel; src may be a {@link HostStaging} slice. */
    private void copyWords(CUdeviceptr src, CUdeviceptr dst, long n) {
        if (n > 0) kernels.kernel("Elementwise", "copy_words_elementwise").launch(grids.stride(n), THREADS, stream, src, dst, n);
    }

    /**
     * Host bytes (a multiple of 4) to dst, queued on the stream: through staging slices and a copy
     * kernel, in parts of at most {@link #STAGED_UPLOAD_BYTES} that wait for the stream when the
     * staging buffer is full (weights); inside a captured or replayed step in one part, never waiting.
     */
    public void uploadBytes(MemorySegment host, CUdeviceptr dst) {
        long bytes = host.byteSize();
        boolean inStep = capture != null && capture.active();
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
        if (capture != null) capture.boundary();
        cuStreamSynchronize(stream);
        staging.reset();
    }

    /** Device bytes to a new host array: after the queued work (a read-back). */
    public void downloadBytes(CUdeviceptr src, Pointer dst, long bytes) {
        drain();
        if (bytes > 0) cuMemcpyDtoH(dst, src, bytes);
    }

    public Storage upload(float[] host) {
        CudaStorage s = allocateUninitialised(host.length);
        uploadBytes(MemorySegment.ofArray(host), s.ptr());
        return s;
    }

    public void upload(float[] host, Storage dst) {
        CudaStorage d = of(dst, "upload");
        need(d, host.length, "upload", "dst");
        device.bind();
        uploadBytes(MemorySegment.ofArray(host), d.ptr());
    }

    public float[] download(Storage s) {
        CudaStorage d = of(s, "download");
        device.bind();
        if (d.size() > Integer.MAX_VALUE) throw new IllegalArgumentException("download: " + d.size() + " floats do not fit a Java array");
        float[] host = new float[(int) d.size()];
        downloadBytes(d.ptr(), Pointer.to(host), (long) host.length * Sizeof.FLOAT);
        return host;
    }

    public void copy(Storage src, Storage dst, long n) {
        CudaStorage s = of(src, "copy"), d = of(dst, "copy");
        need(s, n, "copy", "src");
        need(d, n, "copy", "dst");
        device.bind();
        copyWords(s.ptr(), d.ptr(), n);
    }

    public void fill(Storage s, float value) {
        CudaStorage d = of(s, "fill");
        device.bind();
        fillWords(d.ptr(), Float.floatToRawIntBits(value), d.size());
    }

    public void synchronize() {
        device.bind();
        drain();
    }

    /** Device ints holding {@code ids[0..n)}, uploaded on the stream; the caller releases them. */
    public CudaStorage deviceInts(int[] ids, int n) {
        CudaStorage s = allocateUninitialised(n);           // a float slot holds an int: both 4 bytes
        uploadBytes(MemorySegment.ofArray(ids).asSlice(0, 4L * n), s.ptr());
        return s;
    }
}
