/**
 * BERT (Devlin et al. 2018) as Hugging Face's {@code modeling_bert.py} builds it: the same modules,
 * the same parameter names (state-dict keys), the same numerics (post-LayerNorm blocks, exact-erf GELU,
 * LayerNorm eps from the config, tanh pooler on [CLS]). Every op is out of place, line by line as HF
 * writes it; the fast plan ({@code jbert.engine.bert.fast}) runs the same blocks with fused and
 * in-place ops and is what models use unless built with {@link jbert.engine.bert.LayerPlan#TEXTBOOK}.
 *
 * <p>Reading order: {@link jbert.engine.bert.BertEmbeddings} → {@link jbert.engine.bert.BertSelfAttention}
 * → {@link jbert.engine.bert.BertLayer} (with HF's BertAttention, BertIntermediate, BertOutput) →
 * {@link jbert.engine.bert.BertModel} (with BertEncoder, BertPooler) →
 * {@link jbert.engine.bert.BertForSequenceClassification} (and {@link jbert.engine.bert.BertForMaskedLM});
 * then {@link jbert.engine.bert.LayerPlan}, the choice between this block and
 * {@link jbert.engine.bert.fast.FastPlan}, which says what each of its changes saves.
 *
 * <p>Dimension legend: B batch, T tokens, H hidden, NH heads, D head size (H/NH), I intermediate,
 * V vocab, C classes.
 */
package jbert.engine.bert;
