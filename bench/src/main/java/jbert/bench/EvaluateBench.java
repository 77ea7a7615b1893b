package jbert.bench;

import jbert.engine.Grad;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertForSequenceClassification;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An evaluation as the trainer runs one (its {@code Evaluator}: evaluation mode, no-grad, the examples
 * sorted by length into batches of 32, each padded to its longest), timed as the engine's forward over
 * those batches. N examples of 8 to T tokens with seeded lengths, roughly the spread of the Twitter
 * Financial News tweets; BERT-base with random weights and 3 labels, on the CPU. Time per evaluation of
 * all N examples. It guards the evaluation path with its batching: examples taken in input order would
 * pad most batches to near T. The batches are built once, in setup: collating them is host work of a
 * few microseconds, not what is measured.
 *
 * <p>Dimension legend: N examples, B batch, T tokens, C classes.
 */
@State(Scope.Benchmark)
public class EvaluateBench extends ModelBenchDefaults {
    /** N x T: N examples of 8 to T tokens ([CLS] and [SEP] included). */
    @Param({"256x64"})
    public String shape;

    /** Encoder layers: 12 is bert-base; the CI smoke run passes fewer. */
    @Param({"12"})
    public int layers;

    /** Examples per batch: the trainer's --eval-batch-size default. */
    private static final int BATCH = 32;

    /** A labelled example: [CLS] ids [SEP] and its class. */
    private record Example(int[] ids, int label) {}

    private BertForSequenceClassification model;
    private List<Batch> batches;

    @Setup
    public void setUp() {
        int[] nt = BertWorkload.parseShape(shape);
        model = BertWorkload.model(BenchDefaults.select("cpu"), layers, 42);
        model.train(false);
        batches = byLength(examples(nt[0], nt[1]));
    }

    /** {@code n} examples of 8 to {@code maxT} tokens (seeded): [CLS], ids drawn from [1000, 30000), [SEP]. */
    private static List<Example> examples(int n, int maxT) {
        SplittableRandom r = new SplittableRandom(7);
        List<Example> examples = new ArrayList<>(n);
        int shortest = Math.min(8, maxT);
        for (int i = 0; i < n; i++) {
            int[] ids = new int[r.nextInt(shortest, maxT + 1)];
            ids[0] = 101;                                                   // [CLS]
            for (int t = 1; t < ids.length - 1; t++) ids[t] = r.nextInt(1000, 30000);
            ids[ids.length - 1] = 102;                                      // [SEP]
            examples.add(new Example(ids, r.nextInt(BertWorkload.LABELS)));
        }
        return examples;
    }

    /**
     * The examples shortest first (a stable sort, as the Evaluator's), cut into batches of {@link #BATCH},
     * each padded on the right to its longest example with id 0 and attention mask 0.
     */
    private static List<Batch> byLength(List<Example> examples) {
        List<Example> sorted = new ArrayList<>(examples);
        sorted.sort(Comparator.comparingInt(e -> e.ids().length));
        List<Batch> batches = new ArrayList<>();
        for (int start = 0; start < sorted.size(); start += BATCH) {
            List<Example> rows = sorted.subList(start, Math.min(sorted.size(), start + BATCH));
            int B = rows.size(), T = rows.getLast().ids().length;          // sorted: the last row is the longest
            int[] ids = new int[B * T], types = new int[B * T], mask = new int[B * T], labels = new int[B]; // [B, T], labels [B]
            for (int b = 0; b < B; b++) {
                int[] x = rows.get(b).ids();
                System.arraycopy(x, 0, ids, b * T, x.length);
                java.util.Arrays.fill(mask, b * T, b * T + x.length, 1);
                labels[b] = rows.get(b).label();
            }
            batches.add(new Batch(B, T, ids, types, mask, labels));
        }
        return batches;
    }

    /** The logits [B, C] of every batch, read back to the host as the Evaluator reads them. */
    @Benchmark
    public float[][] evaluate() {
        float[][] logits = new float[batches.size()][];
        try (Grad.NoGrad off = Grad.disabled()) {
            for (int i = 0; i < logits.length; i++) {
                try (jbert.engine.Scope s = jbert.engine.Scope.open()) {
                    logits[i] = model.logits(batches.get(i)).toArray();     // [B, C]
                }
            }
        }
        return logits;
    }
}
