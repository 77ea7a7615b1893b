package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.nn.Dropout;
import jbert.engine.nn.Init;
import jbert.engine.nn.LayerNorm;
import jbert.engine.nn.Linear;
import jbert.engine.nn.Module;
import jbert.engine.nn.SeedSequence;
import jbert.engine.ops.Add;
import jbert.engine.ops.Gelu;

/**
 * One post-LayerNorm transformer block (HF BertLayer = BertAttention + BertIntermediate + BertOutput):
 * <pre>
 *   a = LayerNorm(dropout(attention(x) Wo^T + bo) + x)           attention (self, then output)
 *   y = LayerNorm(dropout(gelu(a Wi^T + bi) Wo2^T + bo2) + a)     intermediate, then output
 * </pre>
 * The nested modules are HF's, with its names, so that parameter names match its state dict:
 * {@code attention.self.query}, {@code attention.output.dense}, {@code attention.output.LayerNorm},
 * {@code intermediate.dense}, {@code output.dense}, {@code output.LayerNorm}.
 *
 * <p>Every op here is out of place and keeps what its backward needs: this is the model as written.
 * {@link jbert.engine.bert.fast.FastPlan} runs the same modules with fused and in-place ops; it reads
 * them through the accessors below, named like HF's attributes ({@code layer.attention.self.query} is
 * {@code layer.attention().self().query()}).
 */
public final class BertLayer extends Module {
    private final BertAttention attention;
    private final BertIntermediate intermediate;
    private final BertOutput output;

    BertLayer(BertConfig c, Backend be, Init init, SeedSequence seeds) {
        attention = child("attention", new BertAttention(c, be, init, seeds));
        intermediate = child("intermediate", new BertIntermediate(c, be, init));
        output = child("output", new BertOutput(c, c.intermediateSize, be, init, seeds));
    }

    /** hiddenStates [B*T, H] to [B*T, H] (HF's forward, then its feed_forward_chunk). */
    Tensor forward(Tensor hiddenStates, Tensor mask, int B, int T) {
        Tensor attentionOutput = attention.forward(hiddenStates, mask, B, T);        // [B*T, H]
        Tensor intermediateOutput = intermediate.forward(attentionOutput);          // [B*T, I]
        return output.forward(intermediateOutput, attentionOutput);                 // [B*T, H]
    }

    public BertAttention attention() { return attention; }
    public BertIntermediate intermediate() { return intermediate; }
    public BertOutput output() { return output; }

    /** Self-attention, then its output projection with the residual "Add &amp; Norm" (HF BertAttention). */
    public static final class BertAttention extends Module {
        private final BertSelfAttention self;
        private final BertOutput output;

        BertAttention(BertConfig c, Backend be, Init init, SeedSequence seeds) {
            self = child("self", new BertSelfAttention(c, be, init, seeds));
            output = child("output", new BertOutput(c, c.hiddenSize, be, init, seeds));
        }

        /** hiddenStates [B*T, H] to [B*T, H]. */
        Tensor forward(Tensor hiddenStates, Tensor mask, int B, int T) {
            Tensor selfOutput = self.forward(hiddenStates, mask, B, T);               // [B*T, H]
            return output.forward(selfOutput, hiddenStates);                          // [B*T, H]
        }

        public BertSelfAttention self() { return self; }
        /** HF's BertSelfOutput. */
        public BertOutput output() { return output; }
    }

    /** The feed-forward block's widening half: gelu(x Wi^T + bi), [B*T, H] to [B*T, I] (HF BertIntermediate). */
    public static final class BertIntermediate extends Module {
        private final Linear dense;

        BertIntermediate(BertConfig c, Backend be, Init init) {
            dense = child("dense", new Linear(be, c.hiddenSize, c.intermediateSize, init));
        }

        Tensor forward(Tensor hiddenStates) {
            Tensor h = dense.forward(hiddenStates);                                   // [B*T, I]
            return Gelu.forward(h);                                                   // [B*T, I], HF's "gelu"
        }

        public Linear dense() { return dense; }
    }

    /**
     * A sublayer's output: LayerNorm(dropout(h W^T + b) + input), the post-LN "Add &amp; Norm". HF writes
     * it twice, as BertSelfOutput (after attention, h [B*T, H]) and BertOutput (after the intermediate
     * layer, h [B*T, I]); the two differ only in the dense layer's input width.
     */
    public static final class BertOutput extends Module {
        private final Linear dense;
        private final LayerNorm layerNorm;
        private final Dropout dropout;

        BertOutput(BertConfig c, int inputWidth, Backend be, Init init, SeedSequence seeds) {
            dense = child("dense", new Linear(be, inputWidth, c.hiddenSize, init));
            layerNorm = child("LayerNorm", new LayerNorm(be, c.hiddenSize, c.layerNormEps));
            dropout = child("dropout", new Dropout(c.hiddenDropoutProb, seeds));
        }

        /** hiddenStates [B*T, inputWidth], inputTensor [B*T, H] (the sublayer's input) to [B*T, H]. */
        Tensor forward(Tensor hiddenStates, Tensor inputTensor) {
            Tensor h = dense.forward(hiddenStates);                                   // [B*T, H]
            h = dropout.forward(h);                                                   // [B*T, H]
            return layerNorm.forward(Add.forward(h, inputTensor));                    // [B*T, H]
        }

        public Linear dense() { return dense; }
        /** HF's attribute is {@code LayerNorm}, the TensorFlow checkpoints' name. */
        public LayerNorm layerNorm() { return layerNorm; }
        public Dropout dropout() { return dropout; }
    }
}
