package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The optimizer over all of BERT-base's parameters as one flat array of 110M floats: the fused AdamW
 * update, the gradient sum of squares (global-norm clipping), and, as the ceiling to compare with,
 * the bandwidth a plain Java array copy reaches in the same run (issue 7: AdamW at &gt;= 70% of it).
 */
@State(Scope.Benchmark)
public class AdamWBenchmark extends BenchDefaults {
    /** BERT-base (uncased) with a 2-class head: 109,483,778 parameters. */
    static final int PARAMS = 109_483_778;

    @Param({"fast", "reference"})
    public String kernel;

    private Backend be;
    private Storage param, grad, m, v;
    private float[] copySrc, copyDst;
    private int step;

    @Setup
    public void setup() {
        be = backend(kernel);
        param = be.upload(random(PARAMS, 1));
        grad = be.upload(random(PARAMS, 2));
        m = be.allocate(PARAMS);
        v = be.allocate(PARAMS);
        copySrc = random(PARAMS, 3);
        copyDst = new float[PARAMS];
    }

    /** Reads param, grad, m, v; writes param, m, v: 7 x 4 bytes per parameter. */
    @Benchmark
    public void adamw(Bytes bytes) {
        step++;
        float bc1 = (float) (1 - Math.pow(0.9, step)), bc2 = (float) (1 - Math.pow(0.999, step));
        be.adamwUpdate(param, grad, m, v, PARAMS, 2e-5f, 0.9f, 0.999f, 1e-8f, 0.01f, bc1, bc2, 1f, false);
        bytes.gbyte += 7 * 4e-9 * PARAMS;
    }

    /** Reads grad once. */
    @Benchmark
    public double sumOfSquares(Bytes bytes) {
        bytes.gbyte += 4e-9 * PARAMS;
        return be.sumOfSquares(grad, PARAMS);
    }

    /** System.arraycopy of 110M floats (one thread): reads and writes 4 bytes per element. */
    @Benchmark
    public void arrayCopy(Bytes bytes) {
        System.arraycopy(copySrc, 0, copyDst, 0, PARAMS);
        bytes.gbyte += 2 * 4e-9 * PARAMS;
    }
}
