package jbert.kernels;

import jbert.engine.Backend;
import jbert.engine.BackendOptions;
import jbert.engine.BackendProvider;

/**
 * Makes the CUDA backend known to {@link jbert.engine.Backends} ("--device cuda"), through
 * {@code META-INF/services/jbert.engine.BackendProvider}.
 *
 * <p>{@link #available()} probes the driver without creating anything: JCuda's native library needs
 * {@code libcuda.so.1} (the NVIDIA driver), then {@code cuInit} must succeed and report a device. Any
 * failure becomes a one-line reason; nothing is thrown or printed.
 */
public final class CudaBackendProvider implements BackendProvider {
    private String reason;
    private boolean probed;

    @Override
    public String name() { return "cuda"; }

    @Override
    public synchronized boolean available() {
        if (!probed) {
            reason = probe();
            probed = true;
        }
        return reason == null;
    }

    @Override
    public String unavailableReason() {
        return available() ? null : reason;
    }

    @Override
    public Backend create(BackendOptions o) {
        if (!available()) throw new IllegalStateException("cuda backend unavailable: " + reason);
        return new CudaBackend(o, System.err::println);
    }

    /** Null when a device is usable, else why not. */
    static String probe() {
        try {
            return DriverProbe.run();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            return "no NVIDIA driver: JCuda could not load its native library (libcuda.so.1 missing?)";
        } catch (Throwable t) {
            String m = t.getMessage();
            return "CUDA driver probe failed: " + (m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m));
        }
    }

    /** The probe itself, in its own class so that a missing JCuda fails here and not in the provider. */
    private static final class DriverProbe {
        static String run() {
            jcuda.driver.JCudaDriver.setExceptionsEnabled(false);
            int r = jcuda.driver.JCudaDriver.cuInit(0);
            if (r != jcuda.driver.CUresult.CUDA_SUCCESS) {
                return "CUDA driver present but cuInit failed: " + jcuda.driver.CUresult.stringFor(r);
            }
            int[] count = new int[1];
            r = jcuda.driver.JCudaDriver.cuDeviceGetCount(count);
            if (r != jcuda.driver.CUresult.CUDA_SUCCESS) return "cuDeviceGetCount failed: " + jcuda.driver.CUresult.stringFor(r);
            if (count[0] == 0) return "the CUDA driver sees no GPU";
            return null;
        }
    }
}
