package jbert.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * One encoded text or text pair, as HF's {@code Encoding}: all arrays have the same length T (the
 * padded length when padding was asked for). The arrays are the encoding's own; callers may read
 * them without copying, and should not change them.
 */
public final class Encoding {
    private final int[] ids;
    private final int[] typeIds;
    private final int[] attentionMask;
    private final int[] specialTokensMask;
    private final String[] tokens;

    Encoding(int[] ids, int[] typeIds, int[] attentionMask, int[] specialTokensMask, String[] tokens) {
        this.ids = ids;
        this.typeIds = typeIds;
        this.attentionMask = attentionMask;
        this.specialTokensMask = specialTokensMask;
        this.tokens = tokens;
    }

    /** Token ids, [T]. */
    public int[] ids() {
        return ids;
    }

    /** Segment (token type) ids: 0 for the first text and its specials, 1 for the second, [T]. */
    public int[] typeIds() {
        return typeIds;
    }

    /** 1 for real tokens, 0 for padding, [T]. */
    public int[] attentionMask() {
        return attentionMask;
    }

    /** 1 where the post-processor or padding added the token ([CLS], [SEP], [PAD]), else 0, [T]. */
    public int[] specialTokensMask() {
        return specialTokensMask;
    }

    /** The token strings, [T]: vocabulary entries ("##ing" included) and special tokens. */
    public List<String> tokens() {
        return Arrays.asList(tokens);
    }

    /** T. */
    public int length() {
        return ids.length;
    }

    /** Right-padded copy of length n (this one when it is already that long or longer). */
    Encoding padTo(int n, int padId, String padToken, int padTypeId) {
        if (ids.length >= n) return this;
        int[] i = Arrays.copyOf(ids, n);
        int[] t = Arrays.copyOf(typeIds, n);
        int[] a = Arrays.copyOf(attentionMask, n);
        int[] s = Arrays.copyOf(specialTokensMask, n);
        String[] k = Arrays.copyOf(tokens, n);
        for (int p = ids.length; p < n; p++) {
            i[p] = padId;
            t[p] = padTypeId;
            s[p] = 1;
            k[p] = padToken;
        }
        return new Encoding(i, t, a, s, k);
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(ids);
    }
}
