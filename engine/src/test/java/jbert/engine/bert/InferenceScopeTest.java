package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Backends;
import jbert.engine.Grad;
import jbert.engine.Scope;
import jbert.engine.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast plan's inference runs each block in its own scope and keeps only a copy of the block's
 * output (FastPlan.inferenceBlock): the values are exactly those of a recording forward, and the scope
 * rule it relies on (handToParent) moves ownership and refuses views.
 */
class InferenceScopeTest {
    private final Backend be = Backends.cpu();

    private static BertConfig small() {
        BertConfig c = new BertConfig();
        c.vocabSize = 50; c.hiddenSize = 24; c.numHiddenLayers = 3; c.numAttentionHeads = 4;
        c.intermediateSize = 40; c.maxPositionEmbeddings = 16;
        c.id2label = BertConfig.defaultLabels(3);
        return c;
    }

    @Test void noGradForwardEqualsRecordingForward() {
        BertForSequenceClassification model = new BertForSequenceClassification(small(), be, 5);
        model.train(false);
        int B = 2, T = 7;
        int[] ids = {2, 9, 17, 4, 33, 3, 0, 2, 12, 5, 8, 41, 22, 3};
        int[] mask = {1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1};
        Batch batch = new Batch(B, T, ids, new int[B * T], mask, null);
        float[] recorded, inferred;
        try (Scope s = Scope.open()) {
            recorded = model.logits(batch).toArray();                      // graph recorded (weights need grads)
        }
        try (Scope s = Scope.open(); Grad.NoGrad ignored = Grad.disabled()) {
            inferred = model.logits(batch).toArray();                      // one scope per block
        }
        assertArrayEquals(recorded, inferred, 0f);
    }

    @Test void handToParentMovesOwnershipOutOfTheInnerScope() {
        Tensor kept, dropped;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                dropped = Tensor.zeros(be, 3);
                kept = inner.handToParent(Tensor.zeros(be, 3));
            }
            assertTrue(dropped.released(), "the inner scope frees what it still owns");
            assertFalse(kept.released(), "a handed-over tensor survives the inner scope");
        }
        assertTrue(kept.released(), "and is freed with the outer scope");
    }

    @Test void handToParentRefusesViewsAndForeignTensors() {
        try (Scope outer = Scope.open()) {
            Tensor foreign = Tensor.zeros(be, 4);
            try (Scope inner = Scope.open()) {
                Tensor owner = Tensor.zeros(be, 4);
                Tensor view = Tensor.view(owner, 2, 2);
                assertThrows(IllegalStateException.class, () -> inner.handToParent(view));
                assertThrows(IllegalStateException.class, () -> inner.handToParent(foreign));
            }
        }
    }
}
