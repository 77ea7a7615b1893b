package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.nn.Dropout;
import jbert.engine.nn.Init;
import jbert.engine.nn.LayerNorm;
import jbert.engine.nn.Linear;
import jbert.engine.nn.Module;
import jbert.engine.nn.SeedSequence;
import jbert.engine.ops.GeluLinear;

/**
 * One post-LayerNorm transformer block (HF BertLayer = BertAttention + BertIntermediate + BertOutput):
 * <pre>
 *   a = LayerNorm(dropout(attention(x) Wo^T + bo) + x)           attention.output
 *   y = LayerNorm(dropout(gelu(a Wi^T + bi) Wo2^T + bo2) + a)     intermediate, output
 * </pre>
 * The child names reproduce HF's nesting so parameter names match its state dict:
 * {@code attention.self.query}, {@code attention.output.dense}, {@code attention.output.LayerNorm},
 * {@code intermediate.dense}, {@code output.dense}, {@code output.LayerNorm}.
 */
public final class BertLayer extends Module {
    final BertSelfAttention selfAttention;
    final Linear attentionDense, intermediateDense, outputDense;
    final LayerNorm attentionNorm, outputNorm;
    private final Dropout attentionDropout, outputDropout;

    /** HF's nesting level without computation of its own (BertAttention, BertSelfOutput, ...). */
    private static final class Group extends Module {
        <M extends Module> M add(String name, M m) { return child(name, m); }
    }

    BertLayer(BertConfig c, Backend be, Init init, SeedSequence seeds) {
        Group attention = child("attention", new Group());
        selfAttention = attention.add("self", new BertSelfAttention(c, be, init, seeds));
        Group attentionOutput = attention.add("output", new Group());
        attentionDense = attentionOutput.add("dense", new Linear(be, c.hiddenSize, c.hiddenSize, init));
        attentionNorm = attentionOutput.add("LayerNorm", new LayerNorm(be, c.hiddenSize, c.layerNormEps));
        attentionDropout = attentionOutput.add("dropout", new Dropout(c.hiddenDropoutProb, seeds));

        Group intermediate = child("intermediate", new Group());
        intermediateDense = intermediate.add("dense", new Linear(be, c.hiddenSize, c.intermediateSize, init));

        Group output = child("output", new Group());
        outputDense = output.add("dense", new Linear(be, c.intermediateSize, c.hiddenSize, init));
        outputNorm = output.add("LayerNorm", new LayerNorm(be, c.hiddenSize, c.layerNormEps));
        outputDropout = output.add("dropout", new Dropout(c.hiddenDropoutProb, seeds));
    }

    /** x [B*T, H] to [B*T, H]. */
    Tensor forward(Tensor x, Tensor mask, int B, int T) {
        // The in-place ops below overwrite a dense layer's fresh product, which nothing else reads
        // (a Linear's backward needs its input, not its output): no extra buffer per op.
        Tensor ctx = selfAttention.forward(x, mask, B, T);                           // [B*T, H]
        Tensor attn = attentionDropout.forwardInPlace(attentionDense.forward(ctx));  // [B*T, H]
        Tensor a = attentionNorm.forwardResidualInPlace(attn, x);                    // [B*T, H]
        Tensor pre = intermediateDense.forwardNoBias(a);                            // [B*T, I]
        // gelu(pre + bi) Wo2^T + bo2 as one op that keeps only pre and recomputes the GELU output in
        // backward (GeluLinear): one [B*T, I] buffer per layer instead of two.
        Tensor o = GeluLinear.forwardInPlace(pre, intermediateDense.bias, outputDense.weight, outputDense.bias); // [B*T, H]
        o = outputDropout.forwardInPlace(o);                                        // [B*T, H]
        return outputNorm.forwardResidualInPlace(o, a);                              // [B*T, H]
    }
}
