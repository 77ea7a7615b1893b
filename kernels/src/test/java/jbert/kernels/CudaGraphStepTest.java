package jbert.kernels;

import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.train.TrainStep;
import jbert.kernels.graphs.StepGraphs;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training steps in CUDA graphs ({@link StepGraphs}) compute what the same steps launched one by one
 * compute: BERT-base with random weights (the same seed on both backends), a new batch every step
 * (new ids, labels and dropout seeds: uploads and re-argued nodes), and two shapes interleaved (one
 * recording each). Losses and the final weights must agree to float rounding and atomics' order, every step after the
 * first two of a shape must be replayed, and none may fall back.
 */
class CudaGraphStepTest {
    @Test void graphStepsComputeWhatEagerStepsCompute() {
        CudaBackend eager = Gpu.backend();
        CudaBackend graphs = new CudaBackend(eager.options().withCudaGraphs(true), System.out::println);
        BertConfig config = new BertConfig();
        TrainStep a = TrainStep.withAdamW(new BertForSequenceClassification(config, eager, 5), 1e-4, 0.01), b = TrainStep.withAdamW(new BertForSequenceClassification(config, graphs, 5), 1e-4, 0.01);
        int steps = 12, small = 0;
        for (int step = 0; step < steps; step++) {
            // every third step another shape: B=2, T=16 (its own recording)
            boolean other = step % 3 == 2;
            if (other) small++;
            Batch batch = other ? Batch.random(2, 16, 1, config.vocabSize, config.numLabels(), 3, 100 + step)
                    : Batch.random(4, 32, 1, config.vocabSize, config.numLabels(), 7, 100 + step);
            double le = a.run(batch).loss(), lg = b.run(batch).loss();
            System.out.printf("step %2d  %s  loss eager %.7f  graphs %.7f%n", step, other ? "B=2 T=16" : "B=4 T=32", le, lg);
            assertEquals(le, lg, 1e-5 * Math.max(1, Math.abs(le)), "loss of step " + step);
        }
        System.out.println("graphs: " + graphs.graphStats());
        StepGraphs g = graphs.stepGraphs();
        int big = steps - small;
        // each shape: one eager step, one captured, the rest replayed
        assertEquals((big - 2) + (small - 2), g.replayedSteps(), graphs.graphStats());
        assertEquals(0, g.failedSteps(), graphs.graphStats());
        assertTrue(g.patchedNodes() > 0, "new dropout seeds every step must re-argue nodes: " + graphs.graphStats());
        // Within 1e-4 of each tensor's scale (Gpu.assertParametersAgree says why not bit for bit).
        Gpu.assertParametersAgree(a.model().namedParameters(), b.model().namedParameters(), 1e-4);
    }
}
