package jbert.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * BERT-base inference forward at B=32,T=32: evaluation mode (no dropout), no-grad (no graph, nothing
 * kept for backward), logits copied to the host. Time per forward, and the matrix-product work rate.
 * {@link ForwardBench} runs it on the CPU, {@link ForwardCudaBench} on the GPU (run when one is present).
 */
@State(Scope.Benchmark)
public abstract class Forward extends ModelBenchDefaults {
    /** B x T. */
    @Param({"32x32"})
    public String shape;

    /** "cpu" or "cuda": the subclass says. */
    protected abstract String device();

    /** Encoder layers: 12 is bert-base; the CI smoke run passes fewer. */
    @Param({"12"})
    public int layers;

    private BertWorkload workload;
    private double forwardFlops;

    @Setup(Level.Trial)
    public void setUp() {
        int[] bt = BertWorkload.parseShape(shape);
        workload = new BertWorkload(BenchDefaults.select(device()), bt[0], bt[1], layers, 42);
        forwardFlops = BertWorkload.forwardFlops(bt[0], bt[1], layers);
    }

    @Benchmark
    public float[] forward(Flops flops) {
        float[] logits = workload.forward();
        flops.gflop += forwardFlops / 1e9;
        return logits;
    }
}
