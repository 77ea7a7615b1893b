package jbert.kernels;

import jbert.engine.cpu.CpuBackend;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The step the GPU benchmark times and the GPU-vs-CPU test compares, checked here on the CPU. */
class TrainingStepTest {
    static BertConfig tiny() {
        BertConfig c = new BertConfig();
        c.vocabSize = 64;
        c.hiddenSize = 16;
        c.numHiddenLayers = 1;
        c.numAttentionHeads = 2;
        c.intermediateSize = 32;
        c.maxPositionEmbeddings = 16;
        return c;
    }

    @Test void repeatedStepsOnOneBatchLowerTheLoss() {
        Batch batch = TrainingStep.randomBatch(4, 8, 64, 2, 3, 5);
        TrainingStep step = new TrainingStep(tiny(), CpuBackend.reference(), 1, 1e-2);
        double first = step.step(batch), last = first;
        for (int i = 0; i < 10; i++) last = step.step(batch);
        assertTrue(Double.isFinite(first));
        assertTrue(last < first, "loss " + first + " -> " + last);
    }

    @Test void randomBatchesArePaddedAndSeeded() {
        Batch b = TrainingStep.randomBatch(2, 6, 10, 3, 2, 9);
        assertArrayEquals(new int[]{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, b.attentionMask());
        assertEquals(0, b.inputIds()[11]);
        for (int i = 0; i < 10; i++) assertTrue(b.inputIds()[i] >= 1 && b.inputIds()[i] < 10);
        assertArrayEquals(b.inputIds(), TrainingStep.randomBatch(2, 6, 10, 3, 2, 9).inputIds());
    }
}
