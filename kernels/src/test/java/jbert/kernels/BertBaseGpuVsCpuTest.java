package jbert.kernels;

import jbert.engine.Backends;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.train.TrainStep;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 20 training steps of BERT-base (random weights, the same seed on both sides; dropout on, and the
 * counter-based RNG drops the same elements on both) on the GPU and on the CPU: every loss within
 * 1e-3. A small batch (B=4, T=32, padding included) keeps the CPU side to seconds.
 */
class BertBaseGpuVsCpuTest {
    @Test void twentyStepsOfBertBaseAgreeWithTheCpu() {
        CudaBackend gpu = Gpu.backend();
        BertConfig config = new BertConfig();
        Batch batch = Batch.random(4, 32, 1, config.vocabSize, config.numLabels(), 7, 11);
        TrainStep onGpu = TrainStep.withAdamW(new BertForSequenceClassification(config, gpu, 3), 1e-4, 0.01);
        TrainStep onCpu = TrainStep.withAdamW(new BertForSequenceClassification(config, Backends.cpu(), 3), 1e-4, 0.01);
        double worst = 0;
        for (int step = 0; step < 20; step++) {
            double g = onGpu.run(batch).loss(), c = onCpu.run(batch).loss();
            System.out.printf("step %2d  loss gpu %.6f  cpu %.6f  diff %.2e%n", step, g, c, Math.abs(g - c));
            worst = Math.max(worst, Math.abs(g - c));
        }
        double w = worst;
        assertTrue(worst <= 1e-3, () -> "losses differ by up to " + w);
    }
}
