package jbert.trainer.data;

import jbert.engine.bert.Batch;

import java.util.List;

/**
 * Dynamic padding (HF's {@code DataCollatorWithPadding}): each batch is padded to its own longest
 * sequence, not to the max length, so a batch of short tweets costs T = 30, not 128. Padding is on the
 * right with the pad id and attention mask 0; token types are all 0 (single sequences).
 */
public final class Batches {
    private Batches() {}

    /** Collates items into one padded batch; with {@code withLabels} false, labels are left null. */
    public static Batch collate(List<Encoded> items, int padId, boolean withLabels) {
        return collate(items, padId, withLabels, 1);
    }

    /**
     * As {@link #collate(List, int, boolean)}, with T rounded up to a multiple of {@code multiple}
     * (HF's DataCollatorWithPadding(pad_to_multiple_of=...)): fewer distinct batch shapes, so that a
     * backend replaying steps per shape (CUDA graphs) replays more of them. Padding changes no logit
     * (padded keys get the additive mask's float32 minimum, whose exp is exactly 0), but dropout's
     * masks are drawn over the padded [B, T, H], so a training run's random draws differ, as in HF.
     */
    public static Batch collate(List<Encoded> items, int padId, boolean withLabels, int multiple) {
        if (multiple < 1) throw new IllegalArgumentException("pad to a multiple of " + multiple);
        int B = items.size();
        int T = 0;
        for (Encoded e : items) T = Math.max(T, e.ids().length);
        T = (T + multiple - 1) / multiple * multiple;
        int[] ids = new int[B * T];        // [B, T]
        int[] types = new int[B * T];      // [B, T], all segment 0
        int[] mask = new int[B * T];       // [B, T], 1 for a real token
        int[] labels = withLabels ? new int[B] : null; // [B]
        for (int b = 0; b < B; b++) {
            int[] x = items.get(b).ids();
            for (int t = 0; t < T; t++) {
                ids[b * T + t] = t < x.length ? x[t] : padId;
                mask[b * T + t] = t < x.length ? 1 : 0;
            }
            if (withLabels) labels[b] = items.get(b).label();
        }
        return new Batch(B, T, ids, types, mask, labels);
    }

    /** Number of batches of size {@code batchSize} covering {@code n} items (the last may be short). */
    public static int count(int n, int batchSize) {
        return (n + batchSize - 1) / batchSize;
    }
}
