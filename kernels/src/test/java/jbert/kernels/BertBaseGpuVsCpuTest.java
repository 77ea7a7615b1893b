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
 * counter-based RNG drops the same elements on both) on the GPU and on the CPU: every loss within 1e-5
 * (3.6e-7 observed on an H200: float32 both sides, only the order of the sums differs), then every
 * weight after the 20 steps within 1e-4 of its tensor's scale ({@link Gpu#assertParametersAgree}, the
 * rule two GPU runs are held to in {@link CudaGraphStepTest}). A small batch (B=4, T=32, padding
 * included) keeps the CPU side to seconds.
 *
 * <p>The CPU side is the fast kernels ({@link Backends#cpu()}), not the scalar reference ones: their
 * products (a triple loop summing in double, on one thread) run at 0.2-1.4 GFLOP/s, and a BERT-base step
 * at this size is about 65 GFLOP of products, so 20 steps would take most of an hour against the device
 * check's 100 s for all its tests. The fast kernels are held to the scalar ones by the engine's
 * FastKernelsTest and CpuThreadsTest, and every GPU kernel is compared with the scalar ones directly by
 * {@link CudaKernelsTest}.
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
            System.out.printf("step %2d  loss gpu %.7f  cpu %.7f  diff %.2e%n", step, g, c, Math.abs(g - c));
            worst = Math.max(worst, Math.abs(g - c));
        }
        double w = worst;
        assertTrue(worst <= 1e-5, () -> "losses differ by up to " + w);
        Gpu.assertParametersAgree(onCpu.model().namedParameters(), onGpu.model().namedParameters(), 1e-4);
    }
}
