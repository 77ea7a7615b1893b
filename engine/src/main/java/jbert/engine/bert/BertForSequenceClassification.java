package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.bert.fast.FastPlan;
import jbert.engine.nn.Dropout;
import jbert.engine.nn.Init;
import jbert.engine.nn.Linear;
import jbert.engine.nn.Module;
import jbert.engine.nn.SeedSequence;
import jbert.engine.ops.CrossEntropy;

/**
 * BERT with a classification head (HF BertForSequenceClassification):
 * logits = dropout(pooled) W_c^T + b_c, loss = mean cross-entropy. Parameters {@code bert.*},
 * {@code classifier.weight} [C, H], {@code classifier.bias} [C].
 */
public final class BertForSequenceClassification extends Module {
    private final BertConfig config;
    private final BertModel bert;
    private final Dropout dropout;
    private final Linear classifier;
    private final SeedSequence seeds;

    /** Fresh weights from {@code seed} (load pretrained ones afterwards by name); the fast plan. */
    public BertForSequenceClassification(BertConfig config, Backend be, long seed) {
        this(config, be, seed, FastPlan.INSTANCE);
    }

    /** As {@link #BertForSequenceClassification(BertConfig, Backend, long)}, the encoder's blocks run by {@code plan}. */
    public BertForSequenceClassification(BertConfig config, Backend be, long seed, LayerPlan plan) {
        this.config = config;
        Init init = new Init(seed, config.initializerRange);
        seeds = new SeedSequence(seed);
        bert = child("bert", new BertModel(config, be, init, seeds, true, plan));
        dropout = child("dropout", new Dropout(config.classifierDropoutProb(), seeds));
        classifier = child("classifier", new Linear(be, config.hiddenSize, config.numLabels(), init));
    }

    public BertConfig config() { return config; }
    public BertModel bert() { return bert; }

    /** The dropout seed source, whose state checkpoints save. */
    public SeedSequence seeds() { return seeds; }

    /** [B, C] */
    public Tensor logits(Batch batch) {
        Tensor pooledOutput = bert.forward(batch).pooled();                // [B, H]
        pooledOutput = dropout.forward(pooledOutput);                      // [B, H]
        return classifier.forward(pooledOutput);                           // [B, C]
    }

    /** Mean cross-entropy of the batch's labels: a scalar [1]. */
    public Tensor loss(Batch batch) {
        if (batch.labels() == null) throw new IllegalArgumentException("loss: the batch has no labels");
        return CrossEntropy.forward(logits(batch), batch.labels());
    }
}
