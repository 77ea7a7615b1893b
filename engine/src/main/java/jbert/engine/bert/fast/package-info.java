/**
 * The fast plan: the BERT block of {@code jbert.engine.bert} run with fused, in-place and
 * recompute-in-backward ops, and one scope per block at inference ({@link jbert.engine.bert.fast.FastPlan},
 * whose class comment says what each change saves). It changes how the block computes, never what:
 * the same modules, parameters and dropout masks as the textbook block.
 *
 * <p>Dimension legend: B batch, T tokens, H hidden, NH heads, D head size (H/NH), I intermediate,
 * N rows (B*T).
 */
package jbert.engine.bert.fast;
