package jbert.engine.bert.fast;

import jbert.engine.Grad;
import jbert.engine.Scope;
import jbert.engine.Tensor;
import jbert.engine.bert.BertLayer;
import jbert.engine.bert.BertLayer.BertOutput;
import jbert.engine.bert.BertSelfAttention;
import jbert.engine.bert.LayerPlan;
import jbert.engine.nn.Dropout;
import jbert.engine.nn.LayerNorm;
import jbert.engine.nn.Linear;
import jbert.engine.ops.AddLayerNorm;
import jbert.engine.ops.DropoutMatmul;
import jbert.engine.ops.GeluLinear;
import jbert.engine.ops.Matmul;
import jbert.engine.ops.Softmax;
import jbert.engine.ops.SwapAxes12;

/**
 * The fast plan: {@link BertLayer}'s forward, step for step, on the same modules and parameters, with
 * ops that keep less for backward and make fewer passes. The default of every model. What each change
 * saves against the textbook block, at BERT-base (12 layers, H 768, I 3072, NH 12), B=32, T=128,
 * where an [N, H] activation is 12.6 MB, [N, I] 50 MB and [B, NH, T, T] 25 MB:
 * <ol>
 *   <li><b>GELU recomputed in backward</b> ({@link GeluLinear}): the intermediate dense product without
 *       its bias, then bias + GELU + output dense as one op that keeps only gelu's input. One [N, I]
 *       buffer per layer instead of two: 600 MB; the bias rides on the GELU pass (one pass fewer), and
 *       backward pays one GELU pass over [N, I] (under 1% of a step).</li>
 *   <li><b>Dropped-out attention recomputed in backward</b> ({@link DropoutMatmul}): dropout(P) V without
 *       keeping dropout(P): one [B, NH, T, T] buffer per layer, 300 MB, for one dropout pass in
 *       backward.</li>
 *   <li><b>Softmax in place</b> ({@link Softmax#forwardInPlace}): the probabilities over the scores,
 *       which nothing else reads: one [B, NH, T, T] buffer per layer, 300 MB.</li>
 *   <li><b>Residual LayerNorm in place</b> ({@link AddLayerNorm#forwardInPlace}) after <b>dropout in
 *       place</b> ({@link jbert.engine.ops.Dropout#forwardInPlace}): the sublayer's dense product is
 *       dropped out, then summed with the residual, in its own storage. Two [N, H] buffers per "Add
 *       &amp; Norm", four per layer: 600 MB in training (at inference, with dropout off, the sum's
 *       alone); the add rides on LayerNorm's pass (one pass fewer each).</li>
 *   <li><b>Heads split and merged in place</b> ({@link SwapAxes12#forwardInPlace}): Q, K, V and the
 *       context permuted over their own storage through a scratch buffer freed at once. Four [N, H]
 *       buffers per layer, 600 MB, for one copy pass each.</li>
 *   <li><b>One scope per block at inference</b>: with no graph recorded nothing reads a block's
 *       temporaries once it is done, so the block runs in its own {@link Scope} and only a copy of its
 *       output outlives it. Inference holds one block's activations instead of all of them until the
 *       caller's scope closes (PyTorch frees them by reference counting): about 0.2 GB instead of
 *       2.4, for one [N, H] copy per block.</li>
 * </ol>
 * Each in-place op overwrites a tensor that nothing else reads: a dense layer's fresh product (a
 * Linear's backward needs its input, never its output) or the scores (Q K^T's backward needs Q and K).
 *
 * <p>Dropout seeds are drawn where the textbook draws them ({@link Dropout#nextMask}), so both plans
 * drop the same elements. On the CPU backends the two give the same values bit for bit (every fused
 * kernel makes the float operations of the ops it replaces, in their order) and the same gradients,
 * except for the intermediate dense bias: its column sum is made by the fused bias + GELU backward
 * kernel rather than the bias kernel, whose row chunks may differ, so it agrees to float rounding.
 *
 * <p>The plan reads a layer's modules through the accessors of {@link BertLayer}, named like HF's
 * attributes, and unpacks a module's parameters only in the helper that hands them to a fused op.
 */
public final class FastPlan implements LayerPlan {
    public static final FastPlan INSTANCE = new FastPlan();

    private FastPlan() {}

    @Override
    public Tensor forward(BertLayer layer, Tensor hiddenStates, Tensor mask, int B, int T) {
        return Grad.enabled() ? block(layer, hiddenStates, mask, B, T) : inferenceBlock(layer, hiddenStates, mask, B, T);
    }

    /** hiddenStates [B*T, H] to [B*T, H], as {@link BertLayer}'s forward. */
    private static Tensor block(BertLayer layer, Tensor hiddenStates, Tensor mask, int B, int T) {
        BertLayer.BertAttention attention = layer.attention();
        Tensor context = selfAttention(attention.self(), hiddenStates, mask, B, T);           // [B*T, H]
        Tensor attentionOutput = addAndNorm(attention.output(), attention.output().dense().forward(context),
                hiddenStates);                                                               // [B*T, H]
        Tensor ffn = intermediateThenOutputDense(attentionOutput, layer.intermediate().dense(),
                layer.output().dense());                                                     // [B*T, H]
        return addAndNorm(layer.output(), ffn, attentionOutput);                             // [B*T, H]
    }

    /** {@link BertSelfAttention}'s forward: x [B*T, H] to the merged context [B*T, H]. */
    private static Tensor selfAttention(BertSelfAttention self, Tensor x, Tensor mask, int B, int T) {
        int NH = self.numAttentionHeads(), D = self.attentionHeadSize();
        Tensor q = splitHeadsInPlace(self.query().forward(x), B, T, NH, D);        // [B, NH, T, D]
        Tensor k = splitHeadsInPlace(self.key().forward(x), B, T, NH, D);          // [B, NH, T, D]
        Tensor v = splitHeadsInPlace(self.value().forward(x), B, T, NH, D);        // [B, NH, T, D]
        Tensor scores = Matmul.forward(q, k, true);                                // [B, NH, T, T]
        Tensor probs = Softmax.forwardInPlace(scores, mask, (float) (1.0 / Math.sqrt(D))); // [B, NH, T, T], over scores
        Tensor context = dropoutThenMatmul(self.dropout(), probs, v);              // [B, NH, T, D]
        return SwapAxes12.forwardInPlace(context).reshape(B * T, NH * D);          // [B, T, NH, D] -> [B*T, H]
    }

    /** A projection's fresh product [B*T, H] as heads [B, NH, T, D], over its own storage. */
    private static Tensor splitHeadsInPlace(Tensor x, int B, int T, int NH, int D) {
        return SwapAxes12.forwardInPlace(x.reshape(B, T, NH, D));                  // [B, T, NH, D] -> [B, NH, T, D]
    }

    /** dropout(a) @ b with the dropout's mask; a [..., M, K], b [..., K, N]. */
    private static Tensor dropoutThenMatmul(Dropout dropout, Tensor a, Tensor b) {
        Dropout.Mask m = dropout.nextMask();
        return m == null ? Matmul.forward(a, b, false) : DropoutMatmul.forward(a, b, m.p(), m.seed());
    }

    /**
     * {@link BertOutput}'s forward after its dense layer: LayerNorm(dropout(product) + input), with
     * the dropout and the sum written over the product, a fresh dense output that nothing else reads.
     */
    private static Tensor addAndNorm(BertOutput output, Tensor product, Tensor input) {
        Dropout.Mask m = output.dropout().nextMask();
        Tensor h = m == null ? product : jbert.engine.ops.Dropout.forwardInPlace(product, m.p(), m.seed()); // [B*T, H]
        LayerNorm norm = output.layerNorm();
        return AddLayerNorm.forwardInPlace(h, input, norm.weight, norm.bias, norm.eps);   // [B*T, H], over h
    }

    /**
     * gelu(a Wi^T + bi) Wo^T + bo, the intermediate layer and the output dense layer: the product
     * a Wi^T without its bias, then {@link GeluLinear}, which adds the bias in its GELU pass.
     */
    private static Tensor intermediateThenOutputDense(Tensor a, Linear intermediate, Linear output) {
        Tensor pre = jbert.engine.ops.Linear.forward(a, intermediate.weight, null);        // [B*T, I]
        return GeluLinear.forwardInPlace(pre, intermediate.bias, output.weight, output.bias); // [B*T, H]
    }

    /**
     * One block without a graph, in its own scope: only a copy of its output outlives it. The output
     * is copied because it is a view over a buffer of the block's (the in-place LayerNorm).
     */
    private static Tensor inferenceBlock(BertLayer layer, Tensor x, Tensor mask, int B, int T) {
        try (Scope scope = Scope.open()) {
            Tensor y = block(layer, x, mask, B, T);                                // [B*T, H], a view
            Tensor out = scope.handToParent(y.emptyLike());                        // [B*T, H], the caller's
            y.backend().copy(y.storage(), out.storage(), y.size());
            return out;
        }
    }
}
