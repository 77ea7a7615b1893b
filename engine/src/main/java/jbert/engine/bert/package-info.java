/**
 * BERT (Devlin et al. 2018) as Hugging Face's {@code modeling_bert.py} builds it: the same modules,
 * the same parameter names (state-dict keys), the same numerics (post-LayerNorm blocks, exact-erf GELU,
 * LayerNorm eps from the config, tanh pooler on [CLS]).
 *
 * <p>Reading order: {@link jbert.engine.bert.BertEmbeddings} → {@link jbert.engine.bert.BertSelfAttention}
 * → {@link jbert.engine.bert.BertLayer} → {@link jbert.engine.bert.BertModel} →
 * {@link jbert.engine.bert.BertForSequenceClassification} (and {@link jbert.engine.bert.BertForMaskedLM}).
 *
 * <p>Dimension legend: B batch, T tokens, H hidden, NH heads, D head size (H/NH), I intermediate,
 * V vocab, C classes.
 */
package jbert.engine.bert;
