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
 *   <li>iterations of several seconds, so even the B=32,T=128 step gets a few calls per iteration;</li>
 *   <li>two forks, because a JVM's code layout and heap placement shift results by a few percent from
 *       one JVM to the next; the fork-to-fork spread shows in JMH's error column;</li>
 *   <li>heap for the B=32,T=128 step (parameters, gradients and AdamW moments are 1.8 GB; activations
 *       kept for backward several more).</li>
 * </ul>
 * The CI smoke test overrides all of these with one short iteration in the test JVM.
 */
@Warmup(iterations = 2, time = 6)
@Measurement(iterations = 4, time = 6)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx12g"})
public abstract class ModelBenchDefaults extends BenchDefaults {
}
