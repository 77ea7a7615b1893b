package jbert.tokenizer;

/**
 * How to encode: HF's truncation (strategy longest_first) and padding (on the right) settings.
 *
 * <pre>
 * EncodeOptions.NONE                                   // as tokenizer.json says (bert-base: nothing)
 * EncodeOptions.truncateTo(128)                        // at most 128 ids, specials included
 * EncodeOptions.truncateTo(128).padding(Padding.LONGEST)     // and pad to the longest in the batch
 * EncodeOptions.truncateTo(128).padding(Padding.MAX_LENGTH)  // and pad every row to 128
 * </pre>
 *
 * @param maxLength         the length truncation and MAX_LENGTH padding aim at, specials included (0: none)
 * @param truncate          cut the longest of the two texts first, one token at a time, to fit maxLength
 * @param padding           NONE, LONGEST (in the batch) or MAX_LENGTH
 * @param addSpecialTokens  apply the template ([CLS] A [SEP] B [SEP])
 */
public record EncodeOptions(int maxLength, boolean truncate, Padding padding, boolean addSpecialTokens) {

    /** Padding on the right, as BERT wants it. */
    public enum Padding { NONE, LONGEST, MAX_LENGTH }

    /** No truncation, no padding, special tokens added. */
    public static final EncodeOptions NONE = new EncodeOptions(0, false, Padding.NONE, true);

    public EncodeOptions {
        if (padding == null) throw new IllegalArgumentException("padding must not be null (use Padding.NONE)");
        if (maxLength < 0) throw new IllegalArgumentException("maxLength must be >= 0, got " + maxLength);
        if ((truncate || padding == Padding.MAX_LENGTH) && maxLength == 0)
            throw new IllegalArgumentException("truncation and MAX_LENGTH padding need maxLength > 0");
    }

    /** Truncate to maxLength (longest_first), no padding. */
    public static EncodeOptions truncateTo(int maxLength) {
        return new EncodeOptions(maxLength, true, Padding.NONE, true);
    }

    public EncodeOptions padding(Padding p) {
        return new EncodeOptions(maxLength, truncate, p, addSpecialTokens);
    }

    public EncodeOptions addSpecialTokens(boolean add) {
        return new EncodeOptions(maxLength, truncate, padding, add);
    }
}
