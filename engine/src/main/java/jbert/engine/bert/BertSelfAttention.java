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
    final Linear query, key, value;
    private final Dropout dropout;
    private final int NH, D;

    BertSelfAttention(BertConfig c, Backend be, Init init, SeedSequence seeds) {
        query = child("query", new Linear(be, c.hiddenSize, c.hiddenSize, init));
        key = child("key", new Linear(be, c.hiddenSize, c.hiddenSize, init));
        value = child("value", new Linear(be, c.hiddenSize, c.hiddenSize, init));
        dropout = new Dropout(c.attentionProbsDropoutProb, seeds);
        child("dropout", dropout);
        NH = c.numAttentionHeads;
        D = c.headSize();
    }

    /**
     * @param x    [B*T, H]
     * @param mask [B, T] additive mask
     * @return     [B*T, H]
     */
    Tensor forward(Tensor x, Tensor mask, int B, int T) {
        Tensor q = splitHeads(query.forward(x), B, T);                     // [B, NH, T, D]
        Tensor k = splitHeads(key.forward(x), B, T);                       // [B, NH, T, D]
        Tensor v = splitHeads(value.forward(x), B, T);                     // [B, NH, T, D]
        Tensor scores = Matmul.forward(q, k, true);                        // [B, NH, T, T]
        Tensor probs = Softmax.forwardInPlace(scores, mask, (float) (1.0 / Math.sqrt(D))); // [B, NH, T, T], over scores
        // dropout(P) V; the dropped-out P is recomputed in backward, not kept (DropoutMatmul).
        Tensor context = dropout.forwardThenMatmul(probs, v);              // [B, NH, T, D]
        return SwapAxes12.forwardInPlace(context).reshape(B * T, NH * D);  // [B, T, NH, D] -> [B*T, H]
    }

    /** [B*T, H] to [B, NH, T, D], over the projection's own storage (nothing else reads it). */
    private Tensor splitHeads(Tensor x, int B, int T) {
        return SwapAxes12.forwardInPlace(x.reshape(B, T, NH, D));          // [B, T, NH, D] -> [B, NH, T, D]
    }
}
