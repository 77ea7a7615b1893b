package jbert.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One full BERT-base training step (forward, cross-entropy, backward, gradient clipping, AdamW,
 * zeroGrad; see {@link BertWorkload}) at the shapes, B=8,T=32 and B=32,T=128. The figure to
 * compare with PyTorch's ({@code bench/compare} does it side by side) is the time per step, the
 * inverse of JMH's steps per second; the {@code gflop} counter beside it is the rate of
 * matrix-product work, 3x the forward's products.
 * {@link TrainStepBench} runs it on the CPU, {@link TrainStepCudaBench} on the GPU (run when one is present).
 */
@State(Scope.Benchmark)
public abstract class TrainStepBenchmark extends ModelBenchDefaults {
    /** B x T. */
    @Param({"8x32", "32x128"})
    public String shape;

    /** "cpu" or "cuda": the subclass says. */
    protected abstract String device();

    /** Encoder layers: 12 is bert-base; the CI smoke run passes fewer. */
    @Param({"12"})
    public int layers;

    private BertWorkload workload;
    private double stepFlops;

    @Setup(Level.Trial)
    public void setUp() {
        int[] bt = BertWorkload.parseShape(shape);
        workload = new BertWorkload(BenchDefaults.select(device()), bt[0], bt[1], layers, 42);
        stepFlops = 3 * BertWorkload.forwardFlops(bt[0], bt[1], layers);
    }

    @Benchmark
    public float step(Flops flops) {
        float loss = workload.trainStep();
        flops.gflop += stepFlops / 1e9;
        return loss;
    }
}
