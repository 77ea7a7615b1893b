package jbert.trainer.train;

import jbert.engine.Grad;
import jbert.engine.Scope;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.trainer.data.Batches;
import jbert.trainer.data.Encoded;
import jbert.trainer.data.LabelSet;
import jbert.trainer.report.ClassificationMetrics;
import jbert.trainer.report.EvalLog;

import java.util.List;

/**
 * Inference over a list of examples: the model in evaluation mode (no dropout), no autograd graph,
 * batches of similar lengths, each padded to its longest. Logits cross to the host, back in the
 * order of the input; the rest is host arithmetic.
 *
 * <p>Why sort: a batch costs its longest example times its size, and tweets run from a handful of
 * tokens to over sixty, so batches taken in input order are mostly padding. An example's logits do
 * not depend on the batch it sits in: padded keys get exactly zero attention (the mask makes their
 * softmax terms 0), and every other op works token by token, so the order changes only the speed
 * ({@code EvaluatorTest} checks the logits bit for bit against batches of one).
 */
public final class Evaluator {
    private Evaluator() {}

    /** Thrown when a stop was requested during an evaluation. */
    public static final class Stopped extends RuntimeException {
        Stopped() { super("evaluation stopped", null, false, false); }
    }

    /** Logits [N][C] of every example. */
    public static float[][] logits(BertForSequenceClassification model, List<Encoded> data, int batchSize, int padId,
                                   StopSignal stop) {
        return logits(model, data, batchSize, padId, stop, null);
    }

    /** As above; {@code onBatch} (may be null) hears the number of examples done after each batch. */
    public static float[][] logits(BertForSequenceClassification model, List<Encoded> data, int batchSize, int padId,
                                   StopSignal stop, java.util.function.IntConsumer onBatch) {
        boolean wasTraining = model.isTraining();
        model.train(false);
        int C = model.config().numLabels();
        float[][] out = new float[data.size()][];
        int[] order = byLength(data);
        try (Grad.NoGrad ignored = Grad.disabled()) {
            for (int start = 0; start < data.size(); start += batchSize) {
                if (stop != null && stop.requested()) throw new Stopped();
                int end = Math.min(data.size(), start + batchSize);
                List<Encoded> items = new java.util.ArrayList<>(end - start);
                for (int i = start; i < end; i++) items.add(data.get(order[i]));
                Batch batch = Batches.collate(items, padId, false);
                try (Scope s = Scope.open()) {
                    float[] flat = model.logits(batch).toArray();          // [B, C]
                    for (int b = 0; b < items.size(); b++) {
                        out[order[start + b]] = java.util.Arrays.copyOfRange(flat, b * C, (b + 1) * C);
                    }
                } catch (jbert.engine.DeviceOutOfMemoryException e) {
                    throw new jbert.trainer.UserError("out of device memory evaluating a batch of shape [B=" + batch.B()
                            + ", T=" + batch.T() + "] (" + e.getMessage() + "); use a smaller --eval-batch-size", e);
                }
                if (onBatch != null) onBatch.accept(start + items.size());
            }
        } finally {
            model.train(wasTraining);
        }
        return out;
    }

    /** Indices of data by token count, shortest first; equal lengths keep their input order. */
    static int[] byLength(List<Encoded> data) {
        return java.util.stream.IntStream.range(0, data.size()).boxed()
                .sorted(java.util.Comparator.comparingInt(i -> data.get(i).ids().length))
                .mapToInt(Integer::intValue).toArray();
    }

    /** Softmax of one row, in double. */
    public static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) { p[i] = Math.exp(logits[i] - max); sum += p[i]; }
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i; // first maximum, as numpy.argmax
        return best;
    }

    /** Accuracy, per-class scores, confusion matrix and mean cross-entropy on labelled examples. */
    public static EvalLog evaluate(String name, int step, double epoch, BertForSequenceClassification model,
                                   List<Encoded> data, int batchSize, int padId, LabelSet labels, StopSignal stop) {
        return evaluate(name, step, epoch, model, data, batchSize, padId, labels, stop, null);
    }

    /** As above, reporting the examples done after each batch to {@code onBatch} (may be null). */
    public static EvalLog evaluate(String name, int step, double epoch, BertForSequenceClassification model,
                                   List<Encoded> data, int batchSize, int padId, LabelSet labels, StopSignal stop,
                                   java.util.function.IntConsumer onBatch) {
        long t0 = System.nanoTime();
        float[][] logits = logits(model, data, batchSize, padId, stop, onBatch);
        int[] gold = new int[data.size()], pred = new int[data.size()];
        double lossSum = 0;
        for (int i = 0; i < data.size(); i++) {
            gold[i] = data.get(i).label();
            pred[i] = argmax(logits[i]);
            lossSum += -Math.log(Math.max(softmax(logits[i])[gold[i]], Double.MIN_VALUE));
        }
        ClassificationMetrics m = ClassificationMetrics.of(labels.names(), gold, pred);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new EvalLog(name, step, epoch, data.isEmpty() ? 0 : lossSum / data.size(), seconds, m);
    }
}
