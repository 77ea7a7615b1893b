package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Word-embedding lookup and its scatter-add gradient for B*T tokens into BERT's [30522, 768] table,
 * fast kernel beside the reference. Token ids are drawn from a Zipf-like skew so that ids repeat,
 * as in real text.
 */
@State(Scope.Benchmark)
public class EmbeddingBenchmark extends BenchDefaults {
    static final int V = 30522, H = 768;

    @Param({"256", "4096"})
    public int tokens;

    @Param({"fast", "reference"})
    public String kernel;

    private Backend be;
    private int[] ids;
    private Storage table, dtable, out, dout;

    @Setup
    public void setup() {
        be = backend(kernel);
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        ids = new int[tokens];
        for (int i = 0; i < tokens; i++) ids[i] = (int) Math.min(V - 1, Math.exp(r.nextDouble() * Math.log(V)));
        table = be.upload(random(V * H, 1));                       // [V, H]
        dtable = be.allocate((long) V * H);                        // [V, H]
        out = be.allocate((long) tokens * H);                      // [B*T, H]
        dout = be.upload(random(tokens * H, 2));                   // [B*T, H]
    }

    /** Reads the picked rows, writes out. */
    @Benchmark
    public void forward(Bytes bytes) {
        be.embeddingForward(ids, table, out, tokens, H);
        bytes.gbyte += 2 * 4e-9 * tokens * H;
    }

    /** Reads dout and the picked rows of dtable, writes those rows. */
    @Benchmark
    public void backward(Bytes bytes) {
        be.embeddingBackward(ids, dout, dtable, tokens, H);
        bytes.gbyte += 3 * 4e-9 * tokens * H;
    }
}
