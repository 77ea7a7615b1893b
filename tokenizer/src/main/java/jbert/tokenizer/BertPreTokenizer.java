package jbert.tokenizer;

/**
 * HF {@code BertPreTokenizer} (tokenizers pre_tokenizers/bert.rs): split the normalized text on
 * whitespace (Rust {@code char::is_whitespace}, which is dropped), then make every punctuation
 * character a word of its own ({@link CodePoints#PUNCTUATION}: all ASCII symbols and Unicode P*).
 */
final class BertPreTokenizer {

    private BertPreTokenizer() {}

    /** Receives one word: code points cps[from, to). */
    interface WordSink {
        void word(int[] cps, int from, int to);
    }

    /** Whitespace and punctuation flags of ASCII, to skip the big table for the common case. */
    private static final byte[] ASCII = new byte[128];

    static {
        for (int cp = 0; cp < 128; cp++)
            ASCII[cp] = (byte) (CodePoints.flags(cp) & (CodePoints.WHITESPACE | CodePoints.PUNCTUATION));
    }

    static void split(int[] cps, int from, int to, WordSink sink) {
        int start = from;
        for (int i = from; i < to; i++) {
            int cp = cps[i];
            int f = cp < 128 ? ASCII[cp] : CodePoints.flags(cp) & (CodePoints.WHITESPACE | CodePoints.PUNCTUATION);
            if (f == 0) continue;
            if (start < i) sink.word(cps, start, i);
            if ((f & CodePoints.WHITESPACE) == 0) sink.word(cps, i, i + 1); // punctuation stands alone
            start = i + 1;
        }
        if (start < to) sink.word(cps, start, to);
    }
}
