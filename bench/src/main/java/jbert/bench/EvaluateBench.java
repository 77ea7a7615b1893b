package jbert.bench;

import jbert.engine.bert.BertForSequenceClassification;
import jbert.trainer.data.Encoded;
import jbert.trainer.train.Evaluator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An evaluation as the trainer runs one ({@code Evaluator.logits}: evaluation mode, no-grad, batches of
 * 32 examples of similar lengths, each padded to its longest), over examples of 8 to T tokens with
 * seeded lengths, roughly the spread of the Twitter Financial News tweets; BERT-base with random
 * weights and 3 labels, on the CPU. Time per evaluation of all N examples. It guards the evaluation
 * path, batching included: examples taken in input order would pad most batches to near T.
 */
@State(Scope.Benchmark)
public class EvaluateBench extends ModelBenchDefaults {
    /** N x T: N examples of 8 to T tokens ([CLS] and [SEP] included). */
    @Param({"256x64"})
    public String shape;

    /** Encoder layers: 12 is bert-base; the CI smoke run passes fewer. */
    @Param({"12"})
    public int layers;

    private BertForSequenceClassification model;
    private List<Encoded> examples;

    @Setup
    public void setUp() {
        int[] nt = BertWorkload.parseShape(shape);
        model = BertWorkload.model(BenchDefaults.select("cpu"), layers, 42);
        SplittableRandom r = new SplittableRandom(7);
        examples = new ArrayList<>();
        int shortest = Math.min(8, nt[1]);
        for (int i = 0; i < nt[0]; i++) {
            int[] ids = new int[r.nextInt(shortest, nt[1] + 1)];
            ids[0] = 101;                                                   // [CLS]
            for (int t = 1; t < ids.length - 1; t++) ids[t] = r.nextInt(1000, 30000);
            ids[ids.length - 1] = 102;                                      // [SEP]
            examples.add(new Encoded(ids, r.nextInt(BertWorkload.LABELS)));
        }
    }

    @Benchmark
    public float[][] evaluate() {
        return Evaluator.logits(model, examples, 32, 0, null);
    }
}
