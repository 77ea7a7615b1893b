package jbert.bench;

import jbert.engine.BackendOptions;
import jbert.kernels.CudaBackend;
import jbert.kernels.CudaBackendProvider;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The GPU benchmark that {@code kernels/device-check.sh} runs on the device machine, after the GPU
 * tests. Each section is independent (a failure is reported and the next one runs):
 * <ol>
 *   <li>memory-bound kernels (LayerNorm, softmax, GELU, bias+GELU, AdamW) in GB/s of compulsory
 *       traffic, next to a device-to-device copy measured in the same run; the optimizer's
 *       multi-tensor passes; the host's cost of a launch ({@link GpuKernelCheck});</li>
 *   <li>GEMM GFLOP/s at BERT-base shapes, for each available GEMM path (cuBLAS and jbert's own);</li>
 *   <li>a BERT-base training step (B=32, T=128, random weights: {@link GpuStepWorkload}), fp32 and
 *       TF32 (cuBLAS, or jbert's tensor-core GEMM on sm_80+), with the default GEMM and, where that is
 *       cuBLAS, jbert's own; smaller steps, and the same steps in CUDA graphs ({@link GpuStepCheck});</li>
 *   <li>a profile of one fp32 step through {@link TimingBackend}: GPU time per Backend call by CUDA
 *       events, matrix products per shape, and the host's time per call.</li>
 * </ol>
 * Results go to stdout and, as tab-separated {@code section, name, value, unit, note} rows, to the
 * file given by {@code --out}: device-check.sh's summary table reads them.
 * <pre>java -cp ... jbert.bench.DeviceCheck --out results.tsv [--steps 10] [--batch 32] [--seq 128] [--bandwidth-only]</pre>
 * Settings come from {@code -Djbert.*}, read here, at the program's edge
 * ({@link BackendOptions#fromEnvironment}): {@code -Djbert.cuda.gemm=own} runs it on jbert's own GEMM
 * kernels. Without a GPU it exits with one line saying why.
 */
public final class DeviceCheck {
    private final PrintWriter out;

    private DeviceCheck(PrintWriter out) { this.out = out; }

    public static void main(String[] args) throws IOException {
        Path outFile = Path.of("device-check.tsv");
        int steps = 10, batch = 32, seq = 128;
        boolean bandwidthOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> outFile = Path.of(args[++i]);
                case "--bandwidth-only" -> bandwidthOnly = true;   // the memory-bound kernels alone (for ncu)
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("DeviceCheck: unknown argument " + args[i] + " (expected --out FILE, --steps N, --batch B, --seq T, --bandwidth-only)");
                    System.exit(2);
                }
            }
        }
        CudaBackendProvider provider = new CudaBackendProvider();
        if (!provider.available()) {
            System.err.println("DeviceCheck: no GPU: " + provider.unavailableReason());
            System.exit(2);
        }
        BackendOptions options = BackendOptions.fromEnvironment(System.getProperties(), System.getenv()).withTf32(false);
        CudaBackend be = new CudaBackend(options, System.out::println);
        System.out.println("device: " + be);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(outFile), true)) {
            new DeviceCheck(w).run(be, bandwidthOnly, steps, batch, seq);
        }
    }

    /** The sections in order; the variants (TF32, own GEMM, CUDA graphs) are backends made from {@code be}'s options. */
    private void run(CudaBackend be, boolean bandwidthOnly, int s, int b, int t) {
        GpuKernelCheck kernels = new GpuKernelCheck(be, this);
        GpuStepCheck c = new GpuStepCheck(this);
        row("device", "gpu", 0, "", be.deviceName() + " sm_" + be.computeCapability().replace(".", "") + ", " + be.smCount() + " SMs; " + be.gemmDescription());
        section("bandwidth", kernels::bandwidth);
        if (bandwidthOnly) return;
        section("multi-tensor", kernels::multiTensor);
        section("launch", () -> kernels.launchCost(be));
        section("gemm", () -> kernels.gemm(be));
        CudaBackend tf32 = new CudaBackend(be.options().withTf32(true), System.out::println);
        boolean hasTf32 = tf32.usesCublas() || tf32.hasTensorCoreTf32();
        if (hasTf32) section("gemm tf32", () -> kernels.gemm(tf32));
        // With cuBLAS in use, jbert's own kernels (the path of machines without it) are measured too.
        CudaBackend own = be.usesCublas() ? new CudaBackend(be.options().withGemm("own"), System.out::println) : null;
        CudaBackend ownTf32 = own != null && own.hasTensorCoreTf32() ? new CudaBackend(own.options().withTf32(true), System.out::println) : null;
        if (own != null) section("gemm own", () -> kernels.gemm(own));
        if (ownTf32 != null) section("gemm own tf32", () -> kernels.gemm(ownTf32));
        section("step fp32", () -> c.trainingStep(be, "jbert fp32", s, b, t));
        section("profile fp32", () -> c.profile(be, b, t));
        if (hasTf32) {
            section("step tf32", () -> c.trainingStep(tf32, "jbert tf32", s, b, t));
        } else {
            row("step", "jbert tf32", Double.NaN, "ms", "not run: no cuBLAS and compute capability " + be.computeCapability() + " < 8.0");
        }
        if (own != null) section("step own fp32", () -> c.trainingStep(own, "jbert fp32, own GEMM", s, b, t));
        if (ownTf32 != null) section("step own tf32", () -> c.trainingStep(ownTf32, "jbert tf32, own GEMM", s, b, t));
        // The fine-tuning protocol's size: many small kernels, where launch overhead shows (the
        // profile's kernel time summed against the step's wall time says how much).
        section("step small fp32", () -> c.trainingStep(be, "jbert fp32 B=8 T=64", 2 * s, 8, 64));
        if (hasTf32) section("step small tf32", () -> c.trainingStep(tf32, "jbert tf32 B=8 T=64", 2 * s, 8, 64));
        // A step with almost no GPU work but every launch (and the optimizer's full pass): its time
        // is what issuing the step costs the host. A B=8 step not much longer is launch-bound.
        section("step tiny fp32", () -> c.trainingStep(be, "jbert fp32 B=1 T=8 (host floor)", 2 * s, 1, 8));
        // The same steps in CUDA graphs (StepGraphs): captured once per shape, then replayed.
        CudaBackend graphs = new CudaBackend(be.options().withCudaGraphs(true), System.out::println);
        section("step small fp32 graphs", () -> c.trainingStep(graphs, "jbert fp32 B=8 T=64, CUDA graphs", 2 * s, 8, 64));
        section("step tiny fp32 graphs", () -> c.trainingStep(graphs, "jbert fp32 B=1 T=8, CUDA graphs", 2 * s, 1, 8));
        section("step fp32 graphs", () -> c.trainingStep(graphs, "jbert fp32, CUDA graphs", s, b, t));
        if (hasTf32) {
            CudaBackend graphsTf32 = new CudaBackend(tf32.options().withCudaGraphs(true), System.out::println);
            section("step small tf32 graphs", () -> c.trainingStep(graphsTf32, "jbert tf32 B=8 T=64, CUDA graphs", 2 * s, 8, 64));
            section("step tf32 graphs", () -> c.trainingStep(graphsTf32, "jbert tf32, CUDA graphs", s, b, t));
        }
        section("profile small fp32", () -> c.profile(be, 8, 64));
    }

    private void section(String name, Runnable body) {
        System.out.println("-- " + name);
        try {
            body.run();
        } catch (RuntimeException | OutOfMemoryError e) {
            System.out.println("-- " + name + " FAILED: " + e);
            row(name, "FAILED", Double.NaN, "", String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
    }

    /** One result: printed, and a tab-separated row of the --out file (device-check.sh's summary reads them). */
    void row(String section, String name, double value, String unit, String note) {
        String line = String.format(Locale.ROOT, "%s\t%s\t%.4f\t%s\t%s", section, name, value, unit, note);
        System.out.println(line.replace('\t', ' ').replace("  ", " "));
        out.println(line);
    }
}
