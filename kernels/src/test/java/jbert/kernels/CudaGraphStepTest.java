package jbert.kernels;

import jbert.engine.Tensor;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.train.TrainStep;
import jbert.kernels.graphs.StepGraphs;
import org.junit.jupiter.api.Test;

import java.util.Map;

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
        Map<String, Tensor> pa = a.model().namedParameters(), pb = b.model().namedParameters();
        for (String name : pa.keySet()) {
            // Within 1e-4 of the tensor's largest value or of the initialisation's 0.02, whichever is larger.
            // Two eager runs differ too: embedding backward adds rows with float atomics, in an order that
            // changes from run to run, and AdamW's m / sqrt(v) turns a rarely touched row's tiny difference
            // into a larger one (5.9e-5 of the word embeddings' scale on an H200). The key bias starts at 0
            // and its gradient is 0 in exact arithmetic (softmax ignores a constant added to a row), so
            // AdamW moves it by rounding noise alone: values of 2e-7 whose sign differs between runs.
            float[] want = eager.download(pa.get(name).storage()), got = graphs.download(pb.get(name).storage());
            float[] floor = new float[want.length];
            java.util.Arrays.fill(floor, 0.02f);
            floor[0] = Math.max(0.02f, (float) maxAbs(want));
            Gpu.assertAgree(name, want, got, floor, 1e-4);
        }
    }

    static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) m = Math.max(m, Math.abs(v));
        return m;
    }
}
