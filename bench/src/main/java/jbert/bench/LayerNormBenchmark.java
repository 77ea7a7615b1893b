package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * BERT's "Add &amp; Norm" over [rows, 768]: the fused residual + LayerNorm forward and the LayerNorm
 * backward, fast kernel beside the reference. rows = B*T: 256 tokens, and 4096 (B=32, T=128).
 * GB/s counts each array read or written once (memory-bound kernels: the figure to compare with the
 * copy bandwidth in {@link AdamWBenchmark}).
 */
@State(Scope.Benchmark)
public class LayerNormBenchmark extends BenchDefaults {
    static final int H = 768;

    @Param({"256", "4096"})
    public int rows;

    @Param({"fast", "reference"})
    public String kernel;

    private Backend be;
    private Storage a, b, gamma, beta, sum, out, mean, rstd, dout, dx, dgamma, dbeta;

    @Setup
    public void setup() {
        be = backend(kernel);
        long n = (long) rows * H;
        a = be.upload(random((int) n, 1));
        b = be.upload(random((int) n, 2));
        gamma = be.upload(random(H, 3));
        beta = be.upload(random(H, 4));
        dout = be.upload(random((int) n, 5));
        sum = be.allocate(n);
        out = be.allocate(n);
        dx = be.allocate(n);
        mean = be.allocate(rows);
        rstd = be.allocate(rows);
        dgamma = be.allocate(H);
        dbeta = be.allocate(H);
        be.residualLayernormForward(a, b, gamma, beta, sum, out, mean, rstd, rows, H, 1e-12f);
    }

    /** Reads a, b; writes sum, out: 4 arrays of rows*H floats. */
    @Benchmark
    public void residualForward(Bytes bytes) {
        be.residualLayernormForward(a, b, gamma, beta, sum, out, mean, rstd, rows, H, 1e-12f);
        bytes.gbyte += 4e-9 * 4 * rows * H;
    }

    /** Reads dout, x(sum), dx; writes dx: 4 arrays of rows*H floats. */
    @Benchmark
    public void backward(Bytes bytes) {
        be.layernormBackward(dout, sum, gamma, mean, rstd, dx, dgamma, dbeta, rows, H);
        bytes.gbyte += 4e-9 * 4 * rows * H;
    }
}
