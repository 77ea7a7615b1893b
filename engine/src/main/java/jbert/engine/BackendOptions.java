package jbert.engine;

import java.util.Map;
import java.util.Properties;

/**
 * How to run: which device, and that device's settings. Chosen once, at the program's edge (the
 * command line, a benchmark's main, a test), and passed to {@link Backends#select} and from there to
 * {@link BackendProvider#create}; no kernel reads a system property or an environment variable.
 *
 * @param device     "cpu", "cuda" or "auto" (the GPU when one is usable, else the CPU)
 * @param threads    CPU kernel threads; 0 means every core
 * @param tf32       on the GPU, matrix products in TF32 on tensor cores (10-bit mantissa inputs, fp32
 *                   accumulation), as {@code torch.backends.cuda.matmul.allow_tf32}; ignored on the CPU
 * @param cudaGraphs on the GPU, replay each training step from CUDA graphs captured per batch shape
 * @param gpu        the CUDA device ordinal
 * @param gemm       the GPU's matrix-product path: "auto" (cuBLAS when it loads), "cublas" (an error
 *                   without it) or "own" (jbert's kernels); the device check runs both
 * @param kernels    where the GPU kernels come from: "auto", "ptx" (the committed PTX) or "nvrtc"
 */
public record BackendOptions(String device, int threads, boolean tf32, boolean cudaGraphs,
                             int gpu, String gemm, String kernels) {

    public BackendOptions {
        if (threads < 0) throw new IllegalArgumentException("threads " + threads + ": expected a positive number (0: every core)");
        if (gpu < 0) throw new IllegalArgumentException("gpu " + gpu + ": expected a device ordinal >= 0");
        check("gemm", gemm, "auto", "cublas", "own");
        check("kernels", kernels, "auto", "ptx", "nvrtc");
    }

    /** Every setting at its default: the best device here, every core, fp32, no graphs. */
    public static BackendOptions defaults() {
        return new BackendOptions("auto", 0, false, false, 0, "auto", "auto");
    }

    /** The CPU with every core. */
    public static BackendOptions cpu() { return defaults().withDevice("cpu"); }

    /** The GPU (an error at {@link Backends#select} when none is usable). */
    public static BackendOptions cuda() { return defaults().withDevice("cuda"); }

    /**
     * The defaults as a program's environment sets them, read once where the program starts:
     * {@code JBERT_THREADS} or {@code -Djbert.threads}, {@code -Djbert.tf32}, {@code -Djbert.cuda.graphs},
     * {@code -Djbert.cuda.device}, {@code -Djbert.cuda.gemm}, {@code -Djbert.cuda.kernels}. A property wins
     * over the environment variable. A malformed value is an error naming it.
     */
    public static BackendOptions fromEnvironment(Properties properties, Map<String, String> environment) {
        String threads = properties.getProperty("jbert.threads");
        String threadsFrom = "system property jbert.threads";
        if (threads == null || threads.isBlank()) {
            threads = environment.get("JBERT_THREADS");
            threadsFrom = "environment variable JBERT_THREADS";
        }
        return new BackendOptions("auto",
                threads == null || threads.isBlank() ? 0 : positive(threadsFrom, threads),
                Boolean.parseBoolean(properties.getProperty("jbert.tf32", "false")),
                Boolean.parseBoolean(properties.getProperty("jbert.cuda.graphs", "false")),
                nonNegative("system property jbert.cuda.device", properties.getProperty("jbert.cuda.device", "0")),
                properties.getProperty("jbert.cuda.gemm", "auto"),
                properties.getProperty("jbert.cuda.kernels", "auto"));
    }

    /** The number of CPU threads these options ask for: {@link #threads}, or every core when it is 0. */
    public int cpuThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public BackendOptions withDevice(String d) { return new BackendOptions(d, threads, tf32, cudaGraphs, gpu, gemm, kernels); }
    public BackendOptions withThreads(int t) { return new BackendOptions(device, t, tf32, cudaGraphs, gpu, gemm, kernels); }
    public BackendOptions withTf32(boolean t) { return new BackendOptions(device, threads, t, cudaGraphs, gpu, gemm, kernels); }
    public BackendOptions withCudaGraphs(boolean g) { return new BackendOptions(device, threads, tf32, g, gpu, gemm, kernels); }
    public BackendOptions withGemm(String g) { return new BackendOptions(device, threads, tf32, cudaGraphs, gpu, g, kernels); }

    private static void check(String name, String value, String... allowed) {
        for (String a : allowed) if (a.equals(value)) return;
        throw new IllegalArgumentException(name + " '" + value + "': expected one of " + String.join(", ", allowed));
    }

    private static int positive(String from, String value) {
        int n = nonNegative(from, value);
        if (n == 0) throw new IllegalArgumentException(from + " = '" + value + "': expected a positive thread count");
        return n;
    }

    private static int nonNegative(String from, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // reported below, with the setting's name
        }
        throw new IllegalArgumentException(from + " = '" + value + "': expected a whole number >= 0");
    }
}
