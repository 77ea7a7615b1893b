package jbert.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The FP32 fused multiply-add peak of this machine's cores, through the Vector API as the GEMM issues
 * them: the physical limit row beside the GEMM's GFLOP/s (bench/RESULTS.md), and the measurement of
 * which vector width pays (GemmPlan's rule). One benchmark per width, 128, 256 and 512 bits; each call
 * runs {@value #CHAINS} independent accumulator chains {@value #ROUNDS} times, c = c * m + a, enough
 * chains to cover the FMA latency on every pipe (4 cycles x 2 pipes needs 8), few enough to stay in
 * AVX2's 16 registers with m and a. GFLOP/s is the {@code :gflop} row: 2 flops per lane per FMA. Run
 * with {@code -t 1} for one core and {@code -t N} for N cores (JMH sums the threads' counters):
 * <pre>
 * java -jar bench/target/benchmarks.jar FmaPeakBenchmark -t 2
 * </pre>
 * With m = 0.999 and a = 0.001 each chain converges to 1, so no value overflows or goes subnormal (which
 * would take a slow path on some cores).
 */
@State(Scope.Thread)
public class FmaPeakBenchmark extends BenchDefaults {
    static final int CHAINS = 12;
    static final int ROUNDS = 256;

    static final VectorSpecies<Float> S128 = FloatVector.SPECIES_128;
    static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
    static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;

    private int widest;

    @Setup
    public void setup() { widest = FloatVector.SPECIES_MAX.vectorBitSize(); }

    @Benchmark
    public float fma128(Flops flops) { return chains(S128, flops); }

    @Benchmark
    public float fma256(Flops flops) { return chains(S256, flops); }

    @Benchmark
    public float fma512(Flops flops) { return chains(S512, flops); }

    /**
     * The chains at one width. Inlined into each benchmark so that the species is a constant there (the
     * Vector API compiles to vector instructions only for a constant species); the rounds are few enough
     * that the JIT compiles the benchmark with this inlined rather than this loop on its own (on-stack
     * replacement, with the species unknown), and many enough that the final sum costs under 1%.
     */
    @CompilerControl(CompilerControl.Mode.INLINE)
    private float chains(VectorSpecies<Float> s, Flops flops) {
        if (s.vectorBitSize() > widest) {
            throw new IllegalStateException(s.vectorBitSize() + "-bit vectors: this JVM compiles at most " + widest + "-bit here");
        }
        FloatVector m = FloatVector.broadcast(s, 0.999f), a = FloatVector.broadcast(s, 0.001f);
        FloatVector c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (int r = 0; r < ROUNDS; r++) {
            c0 = c0.fma(m, a); c1 = c1.fma(m, a); c2 = c2.fma(m, a); c3 = c3.fma(m, a);
            c4 = c4.fma(m, a); c5 = c5.fma(m, a); c6 = c6.fma(m, a); c7 = c7.fma(m, a);
            c8 = c8.fma(m, a); c9 = c9.fma(m, a); c10 = c10.fma(m, a); c11 = c11.fma(m, a);
        }
        flops.gflop += 2e-9 * ROUNDS * CHAINS * s.length();
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
