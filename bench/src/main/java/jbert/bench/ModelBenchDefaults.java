package jbert.bench;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JMH settings of the model-level benchmarks (training step, inference forward, embedding
 * backward), in this one place, as {@link BenchDefaults} is for the kernel benchmarks, whose mode
 * (throughput: calls per second, the time per call is its inverse) and {@code :gflop} /
 * {@code :gbyte} rate counters they share.
 *
 * <p>Chosen so that a figure repeats within 5% between runs on the 2-core development machine:
 * <ul>
 *   <li>warm-up until the JIT has compiled the kernels and the CPU backend's array pool holds every
 *       size a step makes (from then on a step allocates nothing);</li>
 *   <li>iterations of several seconds, so a B=8,T=32 step gets several calls per iteration; a
 *       B=32,T=128 step (~9 s) is one call per iteration, 16 in all over the two forks (with 8 it
 *       repeated within 6.8% between two runs, bench/RESULTS.md: too few calls to average out a slow
 *       one);</li>
 *   <li>two forks, because a JVM's code layout and heap placement shift results by a few percent from
 *       one JVM to the next; the fork-to-fork spread shows in JMH's error column;</li>
 *   <li>heap for the B=32,T=128 step (parameters, gradients and AdamW moments are 1.8 GB; activations
 *       kept for backward several more);</li>
 *   <li>the serial collector: after its first step a step allocates nothing (the CPU backend's pool),
 *       so a concurrent collector buys no speed, and G1 keeps a much larger heap resident.</li>
 * </ul>
 * The CI smoke test overrides all of these with one short iteration in the test JVM.
 */
@Warmup(iterations = 2, time = 6)
@Measurement(iterations = 8, time = 6)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx12g",
        "-XX:+UseSerialGC"})
public abstract class ModelBenchDefaults extends BenchDefaults {
}
