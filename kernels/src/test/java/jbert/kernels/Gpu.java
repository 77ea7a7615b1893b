package jbert.kernels;

import jbert.engine.Backend;
import jbert.engine.BackendOptions;
import jbert.engine.Storage;
import jbert.engine.Tensor;
import jbert.engine.cpu.CpuBackend;

import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Shared by the GPU tests: the backend (opened once per JVM), skipping with a printed reason where
 * there is no GPU (failing instead under {@code -Djbert.requireGpu=true}), and the comparison against
 * the CPU's scalar reference kernels.
 */
public final class Gpu {
    private Gpu() {}

    /**
     * {@code -Djbert.requireGpu=true}, which kernels/device-check.sh passes: on the device machine a CUDA
     * backend that does not load is a failed test, not a skipped one, so a broken driver binding cannot
     * pass the device check by running nothing. Read once, here at the tests' edge.
     */
    static final boolean REQUIRED = requireGpu(System.getProperties());

    private static CudaBackend backend;
    private static String unavailable;

    /** Whether {@code properties} ask for a GPU (jbert.requireGpu=true). */
    static boolean requireGpu(Properties properties) {
        return Boolean.parseBoolean(properties.getProperty("jbert.requireGpu", "false"));
    }

    /**
     * The default CUDA backend; where there is no GPU, a skipped test with the reason printed (a failed
     * one under jbert.requireGpu).
     */
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
        guard(backend == null ? unavailable : null, REQUIRED);
        return backend;
    }

    /**
     * Nothing when {@code unavailable} is null (a GPU is there); else the test skips, or with
     * {@code required} fails, saying why there is no GPU.
     */
    static void guard(String unavailable, boolean required) {
        if (unavailable == null) return;
        if (required) fail("jbert.requireGpu is set and no GPU is usable: " + unavailable);
        System.out.println("GPU test skipped: " + unavailable);
        abort("no GPU: " + unavailable);
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

    /**
     * Every parameter of {@code got} within {@code tol} of {@code want}'s, relative to the larger of the
     * tensor's largest value and the initialisation's 0.02 (each model on its own backend). Two runs
     * never agree to the last bit after training steps, even two GPU runs: embedding backward adds rows
     * with float atomics, in an order that changes from run to run, and AdamW's m / sqrt(v) turns a rarely
     * touched row's tiny difference into a larger one (5.9e-5 of the word embeddings' scale between two
     * H200 runs of CudaGraphStepTest). The key bias starts at 0 and its gradient is 0 in exact arithmetic
     * (softmax ignores a constant added to a row), so AdamW moves it by rounding noise alone: values of
     * 2e-7 whose sign differs between runs, which the 0.02 floor keeps from counting as relative errors.
     */
    static void assertParametersAgree(Map<String, Tensor> want, Map<String, Tensor> got, double tol) {
        assertTrue(want.keySet().equals(got.keySet()), () -> "parameters " + want.keySet() + " vs " + got.keySet());
        for (String name : want.keySet()) {
            float[] w = want.get(name).toArray(), g = got.get(name).toArray();
            float[] floor = new float[w.length];
            Arrays.fill(floor, 0.02f);
            floor[0] = Math.max(0.02f, (float) maxAbs(w));
            assertAgree(name, w, g, floor, tol);
        }
    }

    static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) m = Math.max(m, Math.abs(v));
        return m;
    }
}
