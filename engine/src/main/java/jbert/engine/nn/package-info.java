/**
 * Layers that own parameters, as in {@code torch.nn}: {@link jbert.engine.nn.Linear},
 * {@link jbert.engine.nn.LayerNorm}, {@link jbert.engine.nn.Embedding}, {@link jbert.engine.nn.Dropout}.
 * Each layer's {@code forward} calls the op of the same name in {@code jbert.engine.ops}; the fast plan
 * ({@code jbert.engine.bert.fast}) hands a layer's public parameters (and a dropout's
 * {@link jbert.engine.nn.Dropout#nextMask mask}) to fused ops instead.
 *
 * <p>Dimension legend: N rows, in/out features, V vocab, H hidden.
 */
package jbert.engine.nn;
