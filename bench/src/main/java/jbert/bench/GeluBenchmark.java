package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The feed-forward block's fused bias + exact-erf GELU over [rows, 3072], forward and backward, and
 * the plain GELU forward that GeluLinear's backward recomputes; fast kernel beside the reference; rows = B*T (256 tokens, and 4096 = B=32, T=128).
 */
@State(Scope.Benchmark)
public class GeluBenchmark extends BenchDefaults {
    static final int I = 3072;

    @Param({"256", "4096"})
    public int rows;

    @Param({"fast", "reference"})
    public String kernel;

    private Backend be;
    private Storage x, bias, pre, out, dout, dx, dbias;

    @Setup
    public void setup() {
        be = backend(kernel);
        long n = (long) rows * I;
        x = be.upload(random((int) n, 1));
        bias = be.upload(random(I, 2));
        dout = be.upload(random((int) n, 3));
        pre = be.allocate(n);
        out = be.allocate(n);
        dx = be.allocate(n);
        dbias = be.allocate(I);
        be.biasGeluForward(x, bias, pre, out, rows, I);
    }

    /** Reads x; writes pre, out. */
    @Benchmark
    public void biasGeluForward(Bytes bytes) {
        be.biasGeluForward(x, bias, pre, out, rows, I);
        bytes.gbyte += 4e-9 * 3 * rows * I;
    }

    /** Reads pre; writes out: the GELU output that GeluLinear recomputes in backward. */
    @Benchmark
    public void geluForward(Bytes bytes) {
        be.geluForward(pre, out, (long) rows * I);
        bytes.gbyte += 4e-9 * 2 * rows * I;
    }

    /** Reads pre, dout, dx; writes dx. */
    @Benchmark
    public void biasGeluBackward(Bytes bytes) {
        be.biasGeluBackward(pre, dout, dx, dbias, rows, I);
        bytes.gbyte += 4e-9 * 4 * rows * I;
    }
}
