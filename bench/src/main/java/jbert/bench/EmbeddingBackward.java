package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Storage;
import jbert.engine.bert.BertConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.SplittableRandom;

/**
 * The embedding scatter-add, dtable[ids[i], :] += dout[i, :], for the three BERT-base tables at a
 * B x T batch: word (V 30522, ids spread like real text), position (512 rows, B rows per id) and token
 * type (2 rows, every id the same: the worst case for a parallel kernel, all rows collide). The
 * {@code gbyte} counter is the memory traffic, 12 bytes per element of dout: dout read, the table
 * row read and written.
 */
@State(Scope.Benchmark)
public abstract class EmbeddingBackward extends ModelBenchDefaults {
    /** B x T. */
    @Param({"32x128"})
    public String shape;

    @Param({"word", "position", "tokenType"})
    public String table;

    /** The backend that runs the kernel: the subclass says. */
    protected abstract Backend backend();

    private Backend be;
    private int[] ids;
    private int n, H;
    private Storage dout, dtable;

    @Setup(Level.Trial)
    public void setUp() {
        be = backend();
        BertConfig c = new BertConfig();
        int[] bt = BertWorkload.parseShape(shape);
        int B = bt[0], T = bt[1];
        n = B * T;
        H = c.hiddenSize;
        SplittableRandom r = new SplittableRandom(7);
        ids = new int[n];
        int V = switch (table) {
            case "word" -> { for (int i = 0; i < n; i++) ids[i] = r.nextInt(1000, 30000); yield c.vocabSize; }
            case "position" -> { for (int i = 0; i < n; i++) ids[i] = i % T; yield c.maxPositionEmbeddings; }
            case "tokenType" -> c.typeVocabSize;                           // all ids 0
            default -> throw new IllegalArgumentException("table '" + table + "': expected word, position or tokenType");
        };
        float[] g = new float[n * H];
        for (int i = 0; i < g.length; i++) g[i] = (float) (r.nextDouble() - 0.5);
        dout = be.upload(g);                                              // [n, H]
        dtable = be.allocate((long) V * H);                                // [V, H]
    }

    @TearDown(Level.Trial)
    public void tearDown() { be.release(dout); be.release(dtable); }

    @Benchmark
    public void scatterAdd(Bytes bytes) {
        be.embeddingBackward(ids, dout, dtable, n, H);
        be.synchronize();
        bytes.gbyte += 12.0 * n * H / 1e9;
    }
}
