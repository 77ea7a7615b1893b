package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The two batched products of self-attention per layer, one [T, T] or [T, D] product per (batch item,
 * head), fast kernel beside the reference, at the step benchmark shapes B=8, T=32 and B=32, T=128
 * (NH = 12, D = 64): scores[b,h] = Q[b,h] @ K[b,h]^T ([T, D] x [D, T]) and
 * context[b,h] = P[b,h] @ V[b,h] ([T, T] x [T, D]). The masked softmax between them is
 * {@link SoftmaxBenchmark}.
 */
@State(Scope.Benchmark)
public class AttentionBenchmark extends BenchDefaults {
    static final int NH = 12, D = 64;

    @Param({"8x32", "32x128"})
    public String batch;

    @Param({"fast", "reference"})
    public String kernel;

    private Backend be;
    private int B, T;
    private Storage q, k, v, scores, probs, context;

    @Setup
    public void setup() {
        be = backend(kernel);
        B = Integer.parseInt(batch.split("x")[0]);
        T = Integer.parseInt(batch.split("x")[1]);
        int heads = B * NH;
        q = be.upload(random(heads * T * D, 1));                   // [B, NH, T, D]
        k = be.upload(random(heads * T * D, 2));                   // [B, NH, T, D]
        v = be.upload(random(heads * T * D, 3));                   // [B, NH, T, D]
        probs = be.upload(random(heads * T * T, 4));               // [B, NH, T, T]
        scores = be.allocate((long) heads * T * T);                // [B, NH, T, T]
        context = be.allocate((long) heads * T * D);               // [B, NH, T, D]
    }

    @Benchmark
    public void scores(Flops flops) {
        be.matmul(false, true, B * NH, T, T, D, 1f, q, k, 0f, scores);
        flops.gflop += 2e-9 * B * NH * T * T * D;
    }

    @Benchmark
    public void context(Flops flops) {
        be.matmul(false, false, B * NH, T, D, T, 1f, probs, v, 0f, context);
        flops.gflop += 2e-9 * B * NH * T * T * D;
    }
}
