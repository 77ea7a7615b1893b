package jbert.engine.bert;

import jbert.engine.BatchShape;

import java.util.SplittableRandom;

/**
 * One batch of tokenized sequences, padded to a common length T: the host-side integers that cross to
 * the backend. All arrays are row-major [B, T] except labels [B] (null at inference).
 */
public record Batch(int B, int T, int[] inputIds, int[] tokenTypeIds, int[] attentionMask, int[] labels) {
    public Batch {
        if (inputIds.length != B * T) throw new IllegalArgumentException("input_ids has " + inputIds.length + " ids, expected B*T = " + B + "*" + T);
        if (tokenTypeIds != null && tokenTypeIds.length != B * T) throw new IllegalArgumentException("token_type_ids has " + tokenTypeIds.length + " ids, expected " + B * T);
        if (attentionMask != null && attentionMask.length != B * T) throw new IllegalArgumentException("attention_mask has " + attentionMask.length + " values, expected " + B * T);
        if (labels != null && labels.length != B) throw new IllegalArgumentException("labels has " + labels.length + " values, expected B = " + B);
    }

    /** [B, T] as the key a backend records a training step under. */
    public BatchShape shape() { return new BatchShape(B, T); }

    /**
     * A synthetic labelled batch for benchmarks and device checks, reproducible from {@code seed}: ids
     * drawn uniformly from [idFrom, idTo), labels from [0, classes), two segments (token type 1 on the
     * second half of each row's real tokens), and the last {@code pad} tokens of every odd row padding
     * (id 0, mask 0). {@code pad} 0 gives an all-ones mask, as {@code ../shared/peers/step_bench.py}'s.
     */
    public static Batch random(int B, int T, int idFrom, int idTo, int classes, int pad, long seed) {
        if (pad < 0 || pad >= T) throw new IllegalArgumentException("pad " + pad + ": expected 0 <= pad < T = " + T);
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[B * T], types = new int[B * T], mask = new int[B * T], labels = new int[B];
        for (int b = 0; b < B; b++) {
            int real = b % 2 == 1 ? T - pad : T;
            for (int t = 0; t < T; t++) {
                boolean isReal = t < real;
                ids[b * T + t] = isReal ? r.nextInt(idFrom, idTo) : 0;
                types[b * T + t] = isReal && t >= real / 2 ? 1 : 0;
                mask[b * T + t] = isReal ? 1 : 0;
            }
            labels[b] = r.nextInt(classes);
        }
        return new Batch(B, T, ids, types, mask, labels);
    }
}
