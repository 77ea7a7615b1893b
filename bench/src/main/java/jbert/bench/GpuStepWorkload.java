package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.train.TrainStep;

/**
 * The BERT-base training step that {@link DeviceCheck} times on the GPU, as its PyTorch peer
 * {@code kernels/peers/torch_step.py} runs it: bert-base shapes (12 layers, H 768, 12 heads, I 3072),
 * random weights, 2 labels, ids drawn from [1, V), no padding, dropout on, AdamW at lr 5e-5 with weight
 * decay 0.01, one batch reused every step. ({@link BertWorkload} is the CPU benchmarks' step, after
 * another peer.)
 *
 * <p>Dimension legend: B batch, T tokens, V vocab.
 */
final class GpuStepWorkload {
    private final TrainStep step;
    private final Batch batch;

    GpuStepWorkload(Backend backend, int B, int T) {
        BertConfig config = new BertConfig();             // bert-base: 12 layers, H 768, 12 heads, I 3072
        step = TrainStep.withAdamW(new BertForSequenceClassification(config, backend, 1), 5e-5, 0.01);
        batch = Batch.random(B, T, 1, config.vocabSize, config.numLabels(), 0, 2);
    }

    /** One step ({@link TrainStep}); returns the loss, read on the host, so the step's work has run. */
    double step() { return step.run(batch).loss(); }
}
