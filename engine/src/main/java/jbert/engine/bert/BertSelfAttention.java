package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.nn.Dropout;
import jbert.engine.nn.Init;
import jbert.engine.nn.Linear;
import jbert.engine.nn.Module;
import jbert.engine.nn.SeedSequence;
import jbert.engine.ops.Matmul;
import jbert.engine.ops.Softmax;
import jbert.engine.ops.SwapAxes12;

/**
 * Bidirectional multi-head self-attention (Vaswani et al. 2017, HF BertSelfAttention):
 * <pre>
 *   Q, K, V = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv            each split into NH heads of size D
 *   P = dropout(softmax(Q K^T / sqrt(D) + mask))                every token sees every other token
 *   context = P V, heads merged back to [B, T, H]
 * </pre>
 * A fact worth knowing: the gradient of the key bias bk is exactly zero. Adding bk to every key adds
 * q . bk to every score of query q, the same amount for all keys, and softmax ignores a shift shared
 * by a whole row. In float32 it comes out as rounding noise around zero.
 */
public final class BertSelfAttention extends Module {
    private final Linear query, key, value;
    private final Dropout dropout;
    private final int numAttentionHeads, attentionHeadSize;

    BertSelfAttention(BertConfig c, Backend be, Init init, SeedSequence seeds) {
        query = child("query", new Linear(be, c.hiddenSize, c.hiddenSize, init));
        key = child("key", new Linear(be, c.hiddenSize, c.hiddenSize, init));
        value = child("value", new Linear(be, c.hiddenSize, c.hiddenSize, init));
        dropout = child("dropout", new Dropout(c.attentionProbsDropoutProb, seeds));
        numAttentionHeads = c.numAttentionHeads;
        attentionHeadSize = c.headSize();
    }

    /**
     * @param hiddenStates [B*T, H]
     * @param mask         [B, T], additive (0 for a real key, the float32 minimum for padding)
     * @return             [B*T, H]
     */
    Tensor forward(Tensor hiddenStates, Tensor mask, int B, int T) {
        Tensor queryLayer = transposeForScores(query.forward(hiddenStates), B, T);  // [B, NH, T, D]
        Tensor keyLayer = transposeForScores(key.forward(hiddenStates), B, T);      // [B, NH, T, D]
        Tensor valueLayer = transposeForScores(value.forward(hiddenStates), B, T);  // [B, NH, T, D]
        // The raw scores, Q K^T.
        Tensor attentionScores = Matmul.forward(queryLayer, keyLayer, true);         // [B, NH, T, T]
        // HF's three lines "scores / sqrt(D)", "+ mask", "softmax(dim=-1)" are the one Softmax op.
        float scale = (float) (1.0 / Math.sqrt(attentionHeadSize));
        Tensor attentionProbs = Softmax.forward(attentionScores, mask, scale);       // [B, NH, T, T]
        // Dropping whole keys a query attends to, as the original Transformer does.
        attentionProbs = dropout.forward(attentionProbs);                            // [B, NH, T, T]
        Tensor contextLayer = Matmul.forward(attentionProbs, valueLayer, false);     // [B, NH, T, D]
        contextLayer = SwapAxes12.forward(contextLayer);                             // [B, T, NH, D]
        return contextLayer.reshape(B * T, numAttentionHeads * attentionHeadSize);   // [B*T, H]
    }

    /** HF's transpose_for_scores: [B*T, H] viewed as [B, T, NH, D], then heads first. */
    private Tensor transposeForScores(Tensor x, int B, int T) {
        Tensor heads = x.reshape(B, T, numAttentionHeads, attentionHeadSize);       // [B, T, NH, D]
        return SwapAxes12.forward(heads);                                            // [B, NH, T, D]
    }

    // ---- the modules, by HF's attribute names: how the fast plan (jbert.engine.bert.fast) reads them ----

    public Linear query() { return query; }
    public Linear key() { return key; }
    public Linear value() { return value; }
    public Dropout dropout() { return dropout; }
    /** NH. */
    public int numAttentionHeads() { return numAttentionHeads; }
    /** D = H / NH. */
    public int attentionHeadSize() { return attentionHeadSize; }
}
