package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Grad;
import jbert.engine.Scope;
import jbert.engine.Tensor;
import jbert.engine.cpu.CpuBackend;
import jbert.engine.nn.Module;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast plan computes the textbook block: two models built from one seed (the same weights and
 * the same dropout seed sequence), one per plan, give the same hidden states, pooled vectors, logits
 * and loss, and the same gradient for every parameter, in training mode with dropout on and at
 * inference, on both CPU backends.
 */
class PlanEquivalenceTest {
    private static final Backend[] BACKENDS = {CpuBackend.INSTANCE, CpuBackend.reference()};

    private static BertConfig small() {
        BertConfig c = new BertConfig();
        c.vocabSize = 50; c.hiddenSize = 24; c.numHiddenLayers = 2; c.numAttentionHeads = 4;
        c.intermediateSize = 40; c.maxPositionEmbeddings = 16;
        c.hiddenDropoutProb = 0.1; c.attentionProbsDropoutProb = 0.1;     // dropout on, in every place
        c.id2label = BertConfig.defaultLabels(3);
        return c;
    }

    /** Two sequences, the second padded: the mask matters. */
    private static Batch batch() {
        int B = 2, T = 7;
        int[] ids = {2, 9, 17, 4, 33, 3, 0, 2, 12, 5, 8, 41, 22, 3};
        int[] types = {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1};
        int[] mask = {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1};
        return new Batch(B, T, ids, types, mask, new int[]{2, 0});
    }

    /** The hidden states, pooled vector, logits and loss of one forward, in that order. */
    private static List<float[]> forward(BertForSequenceClassification model, Batch batch, boolean backward) {
        List<float[]> out = new ArrayList<>();
        try (Scope s = Scope.open()) {
            BertModel.Output o = model.bert().forward(batch);
            out.add(o.lastHiddenState().toArray());
            out.add(o.pooled().toArray());
            out.add(model.logits(batch).toArray());
            Tensor loss = model.loss(batch);
            out.add(loss.toArray());
            if (backward) loss.backward();
        }
        return out;
    }

    private static void assertSameValues(List<float[]> textbook, List<float[]> fast, String what) {
        String[] names = {"last_hidden_state", "pooler_output", "logits", "loss"};
        for (int i = 0; i < names.length; i++) assertArrayEquals(textbook.get(i), fast.get(i), 0f, what + ": " + names[i]);
    }

    @Test void trainingWithDropoutGivesTheSameValuesAndGradients() {
        for (Backend be : BACKENDS) {
            BertForSequenceClassification textbook = new BertForSequenceClassification(small(), be, 5, LayerPlan.TEXTBOOK);
            BertForSequenceClassification fast = new BertForSequenceClassification(small(), be, 5);
            assertSameValues(forward(textbook, batch(), true), forward(fast, batch(), true), "training on " + be);
            assertEquals(textbook.seeds().state(), fast.seeds().state(), "dropout seeds drawn on " + be);
            assertSameGradients(textbook, fast, "on " + be);
        }
    }

    /**
     * Bit for bit, the intermediate dense bias included: the plans sum its gradient with different
     * kernels (the bias kernel after GELU's backward, the fused bias + GELU backward), which group rows
     * into chunks of their own at large sizes, but this batch's 14 rows are one chunk for both.
     */
    private static void assertSameGradients(Module textbook, Module fast, String what) {
        Map<String, Tensor> want = textbook.namedParameters(), got = fast.namedParameters();
        for (var e : want.entrySet()) {
            float[] w = e.getValue().grad().toArray(), g = got.get(e.getKey()).grad().toArray();
            assertArrayEquals(w, g, 0f, "grad." + e.getKey() + " " + what);
        }
    }

    @Test void inferenceGivesTheSameValues() {
        for (Backend be : BACKENDS) {
            BertForSequenceClassification textbook = new BertForSequenceClassification(small(), be, 5, LayerPlan.TEXTBOOK);
            BertForSequenceClassification fast = new BertForSequenceClassification(small(), be, 5);
            textbook.train(false);
            fast.train(false);
            try (Grad.NoGrad ignored = Grad.disabled()) {
                assertSameValues(forward(textbook, batch(), false), forward(fast, batch(), false), "inference on " + be);
            }
        }
    }

    /** The masked-LM head over the encoder (no pooler), training mode: logits, then backward from fixed seeds. */
    @Test void maskedLmHeadGivesTheSameLogitsAndGradients() {
        for (Backend be : BACKENDS) {
            BertForMaskedLM textbook = new BertForMaskedLM(small(), be, 8, LayerPlan.TEXTBOOK);
            BertForMaskedLM fast = new BertForMaskedLM(small(), be, 8);
            assertArrayEquals(logitsThenBackward(textbook), logitsThenBackward(fast), 0f, "MLM logits on " + be);
            assertSameGradients(textbook, fast, "of the MLM model on " + be);
        }
    }

    private static float[] logitsThenBackward(BertForMaskedLM model) {
        try (Scope s = Scope.open()) {
            Tensor logits = model.logits(batch());                                 // [B, T, V]
            java.util.Random r = new java.util.Random(3);
            float[] seed = new float[(int) logits.size()];                          // dL/dlogits, fixed
            for (int i = 0; i < seed.length; i++) seed[i] = (float) r.nextGaussian();
            logits.backward(seed);
            return logits.toArray();
        }
    }
}
