package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Masked attention softmax over [B, NH=12, T, T], forward and backward, fast kernel beside the
 * reference, at the step benchmark shapes B=8, T=32 and B=32, T=128. A quarter of each item's keys
 * are padding (mask at the float minimum, as HF builds it).
 */
@State(Scope.Benchmark)
public class SoftmaxBenchmark extends BenchDefaults {
    static final int NH = 12;

    @Param({"8x32", "32x128"})
    public String batch;

    @Param({"fast", "reference"})
    public String kernel;

    private Backend be;
    private int B, T;
    private Storage scores, mask, probs, dprobs, dscores;
    private float scale;

    @Setup
    public void setup() {
        be = backend(kernel);
        B = Integer.parseInt(batch.split("x")[0]);
        T = Integer.parseInt(batch.split("x")[1]);
        long n = (long) B * NH * T * T;
        float[] m = new float[B * T];
        for (int b = 0; b < B; b++) for (int t = T - T / 4; t < T; t++) m[b * T + t] = -Float.MAX_VALUE;
        scores = be.upload(random((int) n, 1));
        mask = be.upload(m);
        dprobs = be.upload(random((int) n, 2));
        probs = be.allocate(n);
        dscores = be.allocate(n);
        scale = (float) (1 / Math.sqrt(64));
        be.softmaxForward(scores, mask, scale, probs, B, NH, T);
    }

    /** Reads scores; writes probs. */
    @Benchmark
    public void forward(Bytes bytes) {
        be.softmaxForward(scores, mask, scale, probs, B, NH, T);
        bytes.gbyte += 4e-9 * 2 * B * NH * T * T;
    }

    /** Reads probs, dprobs, dscores; writes dscores. */
    @Benchmark
    public void backward(Bytes bytes) {
        be.softmaxBackward(probs, dprobs, dscores, scale, B, NH, T);
        bytes.gbyte += 4e-9 * 4 * B * NH * T * T;
    }
}
