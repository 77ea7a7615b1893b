package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Grad;
import jbert.engine.Scope;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.train.TrainStep;

/**
 * BERT-base with random weights and one synthetic batch: the work the step and forward benchmarks time,
 * shared by {@link TrainStepBench}, {@link ForwardBench}, {@link StepTimer} and {@link StepMemory} so
 * that every figure measures the same thing.
 *
 * <p>It mirrors {@code ../shared/peers/step_bench.py}, the PyTorch side of the comparison: bert-base
 * shapes (12 layers, H 768, 12 heads, I 3072, V 30522), 3 labels, ids drawn from [1000, 30000), an
 * all-ones attention mask (token types 0 and 1, which cost the same as the peer's 0), dropout on in training; AdamW as the HF Trainer's defaults
 * (lr 5e-5, weight decay 0). On top of the peer's step it clips the gradient norm to 1.0, as the HF
 * Trainer does (one extra pass over the gradients).
 *
 * <p>Dimension legend: B batch, T tokens, C classes.
 */
public final class BertWorkload {
    /** Labels of the classifier head, as the peer script's. */
    public static final int LABELS = 3;

    private final Backend backend;
    private final BertForSequenceClassification model;
    private final TrainStep step;
    private final Batch batch;

    /**
     * @param layers encoder layers (12 for bert-base; the CI smoke run uses fewer)
     */
    public BertWorkload(Backend backend, int B, int T, int layers, long seed) {
        this.backend = backend;
        model = model(backend, layers, seed);
        step = TrainStep.withAdamW(model, 5e-5, 0.0);
        batch = Batch.random(B, T, 1000, 30000, LABELS, 0, seed);      // the peer's ids, no padding
    }

    /** BERT-base shapes with {@code layers} encoder layers and {@link #LABELS} labels, random weights from {@code seed}. */
    static BertForSequenceClassification model(Backend backend, int layers, long seed) {
        BertConfig config = new BertConfig();
        config.numHiddenLayers = layers;
        config.id2label = BertConfig.defaultLabels(LABELS);
        return new BertForSequenceClassification(config, backend, seed);
    }

    /** "8x32" to {B, T}. */
    public static int[] parseShape(String bxt) {
        String[] p = bxt.split("x");
        if (p.length != 2) throw new IllegalArgumentException("shape '" + bxt + "': expected BxT, e.g. 8x32");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    /**
     * Floating-point operations of one inference forward, counting the matrix products only (everything
     * else is a few percent): per layer 2N(4H^2 + 2HI) for the dense layers and 4 B T^2 H for scores and
     * context (N = B*T), plus the pooler and classifier. A training step is about 3x this: each product
     * has two more of the same size in backward.
     */
    public static double forwardFlops(int B, int T, int layers) {
        BertConfig c = new BertConfig();
        double N = (double) B * T, H = c.hiddenSize, I = c.intermediateSize;
        double perLayer = 2 * N * (4 * H * H + 2 * H * I) + 4.0 * B * T * T * H;
        return layers * perLayer + 2.0 * B * H * H + 2.0 * B * H * LABELS;
    }

    public Backend backend() { return backend; }
    public BertForSequenceClassification model() { return model; }
    public long parameterCount() { return model.parameterCount(); }

    /**
     * One training step ({@link TrainStep}: forward, cross-entropy, backward, global-norm clip to 1.0,
     * AdamW, zero_grad). Returns the loss (read on the host, which also waits for a GPU to finish).
     */
    public float trainStep() {
        float loss = (float) step.run(batch).loss();
        backend.synchronize();
        return loss;
    }

    /** Inference: logits of the batch in evaluation mode with no graph recorded. Returns logits [B, C]. */
    public float[] forward() {
        model.train(false);
        try (Grad.NoGrad off = Grad.disabled(); Scope s = Scope.open()) {
            return model.logits(batch).toArray();                          // [B, C]
        }
    }
}
