package jbert.kernels;

import jbert.engine.Backend;
import jbert.engine.BackendOptions;
import jbert.engine.Storage;
import jbert.engine.cpu.CpuBackend;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Shared by the GPU tests: the backend (opened once per JVM), skipping with a printed reason where
 * there is no GPU, and the comparison against the CPU's scalar reference kernels.
 */
public final class Gpu {
    private Gpu() {}

    private static CudaBackend backend;
    private static String unavailable;

    /** The default CUDA backend, or a skipped test (with the reason printed) where there is no GPU. */
    public static synchronized CudaBackend backend() {
        if (backend == null && unavailable == null) {
            CudaBackendProvider p = new CudaBackendProvider();
            if (p.available()) {
                // Settings read here, at the tests' edge: device-check.sh picks the GEMM path with -Djbert.cuda.gemm=own.
                backend = new CudaBackend(BackendOptions.fromEnvironment(System.getProperties(), System.getenv()), System.err::println);
                System.out.println("GPU tests on " + backend);
            } else {
                unavailable = p.unavailableReason();
            }
        }
        if (backend == null) System.out.println("GPU test skipped: " + unavailable);
        assumeTrue(backend != null, () -> "no GPU: " + unavailable);
        return backend;
    }

    /** The CPU reference: every kernel a plain scalar loop. */
    static final Backend CPU = CpuBackend.reference();

    public static float[] random(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    /** The same host data on both backends. */
    record Pair(Storage cpu, Storage gpu) {}

    static Pair pair(Backend gpu, float[] host) { return new Pair(CPU.upload(host), gpu.upload(host)); }

    static Pair zeros(Backend gpu, int n) { return new Pair(CPU.allocate(n), gpu.allocate(n)); }

    /**
     * Asserts max |gpu - cpu| / max |cpu| within tol: relative to the tensor's scale, so an element
     * near zero is not judged by its own (meaningless) relative error.
     */
    static void assertAgree(String what, Backend gpu, Pair p, double tol) {
        float[] want = CPU.download(p.cpu()), got = gpu.download(p.gpu());
        assertAgree(what, want, got, tol);
    }

    static void assertAgree(String what, float[] want, float[] got, double tol) {
        assertAgree(what, want, got, want, tol);
    }

    /** As above, with the scale taken from {@code magnitude} (same size) instead of the result itself. */
    static void assertAgree(String what, float[] want, float[] got, float[] magnitude, double tol) {
        assertTrue(want.length == got.length, what + ": sizes " + want.length + " vs " + got.length);
        double scale = 0, worst = 0;
        int at = -1;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(magnitude[i]));
            if (!Float.isFinite(got[i])) { worst = Double.POSITIVE_INFINITY; at = i; break; }
            double d = Math.abs((double) got[i] - want[i]);
            if (d > worst) { worst = d; at = i; }
        }
        double rel = worst / Math.max(scale, 1e-30);
        int a = at;
        assertTrue(rel <= tol || worst == 0, () -> what + ": relative error " + rel + " > " + tol + " (at " + a + ": cpu "
                + want[a] + ", gpu " + got[a] + ")");
    }
}
