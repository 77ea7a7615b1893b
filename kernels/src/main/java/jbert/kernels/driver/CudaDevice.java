package jbert.kernels.driver;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static jcuda.driver.CUstream_flags.CU_STREAM_NON_BLOCKING;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuStreamCreate;

/**
 * One GPU opened through JCuda's driver API: its primary context, made current on each thread that
 * uses the backend ({@link #bind}), the one stream everything is queued on, and the facts the
 * launchers size their grids by (SM count, compute capability).
 */
public final class CudaDevice {
    private final int ordinal;
    private final CUcontext context = new CUcontext();
    private final CUdevice device = new CUdevice();
    /** The one stream everything is queued on (non-blocking: a stream capture needs one of its own). */
    private final CUstream stream = new CUstream();
    private final String name;
    private final int smCount, computeMajor, computeMinor, driverVersion;
    private final ThreadLocal<Boolean> contextBound = ThreadLocal.withInitial(() -> false);

    /** Opens device {@code ordinal}, makes its context current on the calling thread and creates the stream. */
    public CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        cuDeviceGet(device, ordinal);
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        contextBound.set(true);
        byte[] bytes = new byte[256];
        cuDeviceGetName(bytes, bytes.length, device);
        this.name = new String(bytes).trim().replace("\0", "");
        this.smCount = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        this.computeMajor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.computeMinor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int[] driver = new int[1];
        cuDriverGetVersion(driver);
        this.driverVersion = driver[0];
        cuStreamCreate(stream, CU_STREAM_NON_BLOCKING);
    }

    private int attribute(int attr) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, attr, device);
        return v[0];
    }

    /** Makes the context current on the calling thread (needed once per thread). */
    public void bind() {
        if (!contextBound.get()) {
            cuCtxSetCurrent(context);
            contextBound.set(true);
        }
    }

    public int ordinal() { return ordinal; }
    public String name() { return name; }
    public int smCount() { return smCount; }
    public CUstream stream() { return stream; }
    /** cuDriverGetVersion: 1000 * major + 10 * minor (13000 for CUDA 13.0). */
    public int driverVersion() { return driverVersion; }
    /** The compute capability times ten (90 for sm_90), as {@link KernelSources#targetOf} counts. */
    public int smVersion() { return computeMajor * 10 + computeMinor; }
    public String computeCapability() { return computeMajor + "." + computeMinor; }

    /** "the NVIDIA H200 has 12.3 GiB free of 139.8 GiB", for out-of-memory messages. */
    public String memoryInfo() {
        long[] free = new long[1], total = new long[1];
        cuMemGetInfo(free, total);
        return "the " + name + " has " + jbert.kernels.memory.CachingAllocator.human(free[0]) + " free of "
                + jbert.kernels.memory.CachingAllocator.human(total[0]);
    }
}
