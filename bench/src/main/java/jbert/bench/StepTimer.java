package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.cpu.CpuBackend;

import java.util.Locale;
import java.util.Map;

/**
 * Where one BERT-base training step (or inference forward) spends its time, kernel by kernel: runs the
 * {@link BertWorkload} on a {@link TimingBackend} and prints, per kernel (products per shape), calls
 * per step, milliseconds per step, share of the step and GFLOP/s. What is left of the step after the
 * kernels is the Java side: building the graph, walking it, the optimizer loop.
 * <pre>
 *   java -cp bench/target/benchmarks.jar jbert.bench.StepTimer [--device cpu|cuda] [--forward] [--steps N] B T
 * </pre>
 * Threads: {@code -Djbert.threads} or {@code JBERT_THREADS} (default: all cores), read once by
 * {@link BenchDefaults#select}.
 */
public final class StepTimer {
    private StepTimer() {}

    public static void main(String[] args) {
        String device = "cpu";
        boolean forward = false;
        int steps = 3, B = 8, T = 32, layers = 12;
        int positional = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = args[++i];
                case "--forward" -> forward = true;
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                default -> {
                    if (positional == 0) B = Integer.parseInt(args[i]);
                    else if (positional == 1) T = Integer.parseInt(args[i]);
                    else usage("unexpected argument '" + args[i] + "'");
                    positional++;
                }
            }
        }
        Backend base = BenchDefaults.select(device);
        TimingBackend timing = new TimingBackend(base);
        BertWorkload w = new BertWorkload(timing, B, T, layers, 42);
        Runnable work = forward ? w::forward : w::trainStep;
        for (int i = 0; i < 2; i++) work.run();                           // warm-up: JIT, pool filled
        timing.reset();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) work.run();
        long total = System.nanoTime() - t0;

        double stepMs = total / 1e6 / steps;
        System.out.printf(Locale.ROOT, "%s %s B=%d T=%d layers=%d threads=%s: %.1f ms per %s (%d timed)%n",
                device, forward ? "forward" : "training step", B, T, layers,
                base instanceof CpuBackend cpu ? Integer.toString(cpu.threads()) : "-", stepMs, forward ? "forward" : "step", steps);
        System.out.printf(Locale.ROOT, "%-40s %8s %10s %7s %9s%n", "kernel", "calls", "ms/step", "share", "GFLOP/s");
        for (Map.Entry<String, TimingBackend.Entry> e : timing.sorted()) {
            TimingBackend.Entry v = e.getValue();
            double ms = v.nanos / 1e6 / steps;
            String gflops = v.flops > 0 ? String.format(Locale.ROOT, "%9.1f", v.flops / v.nanos) : "";
            System.out.printf(Locale.ROOT, "%-40s %8d %10.2f %6.1f%% %s%n", e.getKey(), v.calls / steps, ms,
                    100 * ms / stepMs, gflops);
        }
        double javaMs = (total - timing.kernelNanos()) / 1e6 / steps;
        System.out.printf(Locale.ROOT, "%-40s %8s %10.2f %6.1f%%%n", "(outside kernels: graph, Java)", "", javaMs,
                100 * javaMs / stepMs);
        System.out.printf(Locale.ROOT, "peak storage held: %.0f MB (parameters, gradients, AdamW moments: %.0f MB)%n",
                timing.peakFloats() * 4 / 1e6, w.parameterCount() * 16 / 1e6);
    }

    private static void usage(String why) {
        System.err.println("StepTimer: " + why);
        System.err.println("usage: StepTimer [--device cpu|cuda] [--forward] [--steps N] [--layers L] B T");
        System.exit(2);
    }
}
