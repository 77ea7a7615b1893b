package jbert.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The JMH settings of the kernel benchmarks, in this one place: they extend this class and JMH reads
 * the annotations from the superclass. Override on the command line for longer runs on this noisy,
 * shared 2-core machine, e.g. {@code java -jar bench/target/benchmarks.jar Gemm -f 2 -wi 5 -i 10}.
 *
 * <p>Mode is throughput (calls per second; the time per call is its inverse), and each benchmark adds
 * the work of a call to a {@link Flops} or {@link Bytes} counter, which JMH reports per second beside
 * it: the {@code :gflop} row is GFLOP/s, the {@code :gbyte} row GB/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public abstract class BenchDefaults {

    /** Floating-point work done, in GFLOP: JMH prints its rate, GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() { gflop = 0; }
    }

    /** Memory traffic (bytes read + written, each array once), in GB: JMH prints its rate, GB/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public double gbyte;

        @Setup(Level.Iteration)
        public void reset() { gbyte = 0; }
    }

    /**
     * The backend on {@code device} ("cpu" or "cuda"), with the settings of this benchmark process's
     * environment ({@code -Djbert.threads}, {@code JBERT_THREADS}, ...: the edge where they are read).
     */
    static jbert.engine.Backend select(String device) {
        jbert.engine.BackendOptions options = jbert.engine.BackendOptions.fromEnvironment(System.getProperties(), System.getenv());
        return jbert.engine.Backends.select(options.withDevice(device), null);
    }

    /** The backend a benchmark's {@code kernel} parameter names: "fast" or "reference". */
    static jbert.engine.Backend backend(String kernel) {
        return switch (kernel) {
            case "fast" -> select("cpu");
            case "reference" -> jbert.engine.cpu.CpuBackend.reference();
            default -> throw new IllegalArgumentException("kernel must be fast or reference, not " + kernel);
        };
    }

    /** Uniform random floats in [-1, 1), seeded. */
    static float[] random(int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (2 * r.nextDouble() - 1);
        return a;
    }
}
