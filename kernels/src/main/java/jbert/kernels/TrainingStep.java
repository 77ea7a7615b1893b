package jbert.kernels;

import jbert.engine.Backend;
import jbert.engine.Scope;
import jbert.engine.Tensor;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.optim.AdamW;
import jbert.engine.optim.GradClip;

import java.util.Random;

/**
 * One BertForSequenceClassification training step as HF Trainer does it (forward, loss, backward,
 * clip_grad_norm_(1.0), AdamW with no decay for biases and LayerNorm, zero the gradients), on any
 * backend. Shared by the GPU-vs-CPU test and the device benchmark, so both time and check the same
 * thing.
 */
public final class TrainingStep {
    private final Backend be;
    private final BertForSequenceClassification model;
    private final AdamW optimizer;

    /** Random-initialised weights from {@code seed} (the same seed gives the same weights on every backend). */
    public TrainingStep(BertConfig config, Backend be, long seed, double lr) {
        this.be = be;
        this.model = new BertForSequenceClassification(config, be, seed);
        this.optimizer = new AdamW(model.namedParameters(), lr, 0.9, 0.999, 1e-8, 0.01, AdamW::isNoDecay);
    }

    /** Runs one step and returns the loss before the update. */
    public double step(Batch batch) {
        return be.trainingStep("B=" + batch.B() + " T=" + batch.T(), () -> {
            double loss;
            try (Scope s = Scope.open()) {
                Tensor l = model.loss(batch);
                loss = l.item();
                l.backward();
            }
            // Clip to norm 1, AdamW, zero_grad: the norm's pass, then one fused pass (AdamW.step(scale, true)).
            double norm = GradClip.globalNorm(model.namedParameters().values());
            optimizer.step(GradClip.coefficient(norm, 1.0), true);
            return loss;
        });
    }

    public BertForSequenceClassification model() { return model; }

    /** A random batch: ids below {@code vocab}, two segments, the last {@code pad} tokens of odd rows padded. */
    public static Batch randomBatch(int B, int T, int vocab, int classes, int pad, long seed) {
        Random r = new Random(seed);
        int[] ids = new int[B * T], types = new int[B * T], mask = new int[B * T], labels = new int[B];
        for (int b = 0; b < B; b++) {
            int real = b % 2 == 1 ? T - pad : T;
            for (int t = 0; t < T; t++) {
                boolean isReal = t < real;
                ids[b * T + t] = isReal ? 1 + r.nextInt(vocab - 1) : 0;
                types[b * T + t] = isReal && t >= real / 2 ? 1 : 0;
                mask[b * T + t] = isReal ? 1 : 0;
            }
            labels[b] = r.nextInt(classes);
        }
        return new Batch(B, T, ids, types, mask, labels);
    }
}
