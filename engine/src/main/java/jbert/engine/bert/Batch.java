package jbert.engine.bert;

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
}
