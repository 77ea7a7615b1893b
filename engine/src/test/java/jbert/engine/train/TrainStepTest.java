package jbert.engine.train;

import jbert.engine.Scope;
import jbert.engine.Tensor;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.cpu.CpuBackend;
import jbert.engine.optim.AdamW;
import jbert.engine.optim.GradClip;
import jbert.engine.optim.LinearSchedule;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The one training step: what it computes, against the literal transcription of HF Trainer's step. */
class TrainStepTest {
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
        Batch batch = Batch.random(4, 8, 1, 64, 2, 3, 5);
        TrainStep step = TrainStep.withAdamW(new BertForSequenceClassification(tiny(), CpuBackend.reference(), 1), 1e-2, 0.01);
        double first = step.run(batch).loss(), last = first;
        for (int i = 0; i < 10; i++) last = step.run(batch).loss();
        assertTrue(Double.isFinite(first));
        assertTrue(last < first, "loss " + first + " -> " + last);
    }

    /**
     * clip_grad_norm_, a scheduled lr, optimizer.step() and zero_grad() as four separate passes (the
     * way HF's Trainer writes it) give the very bits of the fused step, on both CPU backends, with
     * clipping acting (max norm 0.05) and decay on.
     */
    @Test void equalsClipThenStepThenZeroGradBitForBit() {
        for (CpuBackend be : new CpuBackend[]{CpuBackend.reference(), CpuBackend.INSTANCE}) {
            BertForSequenceClassification fused = new BertForSequenceClassification(tiny(), be, 3);
            BertForSequenceClassification literal = new BertForSequenceClassification(tiny(), be, 3);
            LinearSchedule schedule = new LinearSchedule(1e-2, 2, 6);
            TrainStep step = new TrainStep(fused, adamW(fused), schedule, 0.05);
            AdamW opt = adamW(literal);
            for (int t = 0; t < 4; t++) {
                Batch batch = Batch.random(4, 8, 1, 64, 2, 3, 10 + t);
                TrainStep.Result r = step.run(batch);

                literal.train(true);
                double loss;
                try (Scope s = Scope.open()) {
                    Tensor l = literal.loss(batch);
                    loss = l.item();
                    l.backward();
                }
                double norm = GradClip.clipGradNorm(literal.namedParameters().values(), 0.05);
                opt.setLr(schedule.lrAt(t));
                opt.step();
                opt.zeroGrad();

                assertEquals(loss, r.loss(), 0.0, be.name() + " loss of step " + t);
                assertEquals(norm, r.gradNorm(), 0.0, "norm of step " + t);
                assertEquals(schedule.lrAt(t), r.lr(), 0.0, "lr of step " + t);
                assertTrue(norm > 0.05, "clipping must act: norm " + norm);
            }
            Map<String, Tensor> a = fused.namedParameters(), b = literal.namedParameters();
            for (String name : a.keySet()) {
                assertArrayEquals(a.get(name).toArray(), b.get(name).toArray(), 0f, be.name() + " " + name);
            }
            assertEquals(4, step.optimizer().stepCount());
        }
    }

    /** A step whose loss is NaN moves neither the weights nor the optimizer, and says so. */
    @Test void aNonFiniteLossLeavesTheWeightsAndTheOptimizerAsTheyWere() {
        BertForSequenceClassification model = new BertForSequenceClassification(tiny(), CpuBackend.reference(), 4);
        TrainStep step = TrainStep.withAdamW(model, 1e-2, 0.01);
        Batch batch = Batch.random(4, 8, 1, 64, 2, 3, 5);
        step.run(batch);
        Tensor w = model.namedParameters().get("classifier.weight");
        float[] poisoned = w.toArray();
        poisoned[0] = Float.NaN;
        w.backend().upload(poisoned, w.storage());
        Map<String, float[]> before = new java.util.LinkedHashMap<>();
        model.namedParameters().forEach((name, t) -> before.put(name, t.toArray()));

        TrainStep.Result r = step.run(batch);

        assertFalse(r.finite());
        assertTrue(Double.isNaN(r.loss()));
        assertEquals(1, step.optimizer().stepCount());
        model.namedParameters().forEach((name, t) -> {
            assertArrayEquals(before.get(name), t.toArray(), 0f, name);
            assertTrue(t.grad() == null || allZero(t.grad().toArray()), name + "'s gradient is zeroed");
        });
    }

    @Test void randomBatchesArePaddedAndSeeded() {
        Batch b = Batch.random(2, 6, 1, 10, 3, 2, 9);
        assertArrayEquals(new int[]{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, b.attentionMask());
        assertArrayEquals(new int[]{0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0}, b.tokenTypeIds());
        assertEquals(0, b.inputIds()[11]);
        for (int i = 0; i < 10; i++) assertTrue(b.inputIds()[i] >= 1 && b.inputIds()[i] < 10);
        assertArrayEquals(b.inputIds(), Batch.random(2, 6, 1, 10, 3, 2, 9).inputIds());
        assertEquals("B=2 T=6", b.shape().toString());
    }

    private static boolean allZero(float[] x) {
        for (float v : x) if (v != 0f) return false;
        return true;
    }

    private static AdamW adamW(BertForSequenceClassification m) {
        return new AdamW(m.namedParameters(), 1e-2, 0.9, 0.999, 1e-8, 0.5, AdamW::isNoDecay);
    }
}
