/**
 * The differentiable ops: one class per op, {@code forward} (static, builds the output and, when
 * recording, a graph node) beside {@code backward} (the node's instance method).
 *
 * <p>Each op computes only through {@link jbert.engine.Backend} kernels, so it runs unchanged on any
 * backend. Each backward <b>accumulates</b> ({@code +=}) into its inputs' gradients; the optimizer
 * zeroes them (see {@link jbert.engine.Op}).
 *
 * <p>Dimension legend: B batch, T tokens, H hidden, NH heads, D head size (H/NH), I intermediate,
 * V vocab, C classes, N rows (B*T, or B after the [CLS] slice), K inner dimension of a product.
 */
package jbert.engine.ops;
