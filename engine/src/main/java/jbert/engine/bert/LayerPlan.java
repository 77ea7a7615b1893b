package jbert.engine.bert;

import jbert.engine.Tensor;

/**
 * How the encoder runs each {@link BertLayer}: the choice between the model as written and the fast
 * plan, made once, when the model is built ({@link BertModel}'s constructors), and never by a flag.
 * <ul>
 *   <li>{@link #TEXTBOOK}: {@link BertLayer}'s own forward, out-of-place ops line by line as HF's
 *       {@code modeling_bert.py}. For reading, and the reference the fast plan is tested against.</li>
 *   <li>{@link jbert.engine.bert.fast.FastPlan#INSTANCE}: the same modules and parameters through fused,
 *       in-place and recompute-in-backward ops; the default. Its class comment says what each change
 *       saves.</li>
 * </ul>
 * Both compute the same function with the same dropout masks (the tests compare values and every
 * gradient).
 */
public interface LayerPlan {
    /**
     * @param layer        the block whose parameters to use
     * @param hiddenStates [B*T, H], the previous block's output (or the embeddings')
     * @param mask         [B, T], additive
     * @return             [B*T, H]
     */
    Tensor forward(BertLayer layer, Tensor hiddenStates, Tensor mask, int B, int T);

    /** Each block as {@link BertLayer} writes it. */
    LayerPlan TEXTBOOK = BertLayer::forward;
}
