package jbert.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * HF {@code BertNormalizer} (tokenizers normalizers/bert.rs), in its order:
 * <ol>
 *   <li>clean_text: drop NUL, U+FFFD and control characters (Cc, Cf, Co except \t \n \r); turn
 *       whitespace (\t \n \r and White_Space) into ' ';
 *   <li>handle_chinese_chars: put a space before and after every CJK ideograph;
 *   <li>strip_accents (when null in the file it follows lowercase): NFD, then drop nonspacing marks (Mn);
 *   <li>lowercase: Rust {@code char::to_lowercase}, one code point at a time.
 * </ol>
 * Every step maps one code point to zero or more code points without looking at its neighbours, so
 * the normalizer is a per-code-point function, compiled when the tokenizer is built: ASCII in a flat
 * array; above it, clean_text and the CJK spaces follow from the class flags of {@link CodePoints}, and
 * strip_accents + lowercase from a table of the ~16,000 code points they change (256-entry pages, a
 * missing page meaning "unchanged"). Normalizing is then one or two lookups per input code point.
 *
 * <p>NFD does one thing that is not per code point: it puts each run of combining characters in
 * canonical order. The marks strip_accents drops make that invisible, except for the few kept
 * characters with a nonzero combining class ({@link CodePoints#REORDERING}: e.g. U+1D16D then U+1D165
 * become U+1D165 U+1D16D). A piece with two or more of them goes through {@link #normalizeWhole},
 * which decomposes, reorders (by HF's classes) and then filters.
 */
final class BertNormalizer {

    final boolean cleanText;
    final boolean handleChineseChars;
    /** As in the file: null means "follow lowercase". */
    final Boolean stripAccentsSetting;
    final boolean stripAccents;
    final boolean lowercase;

    /** ASCII: the single output code point, or -1 when the character is dropped. */
    private final int[] ascii = new int[128];
    /** strip_accents then lowercase, for code points >= 128, by page of 256: null page = identity; entry
     *  >= 0 one code point, -1 dropped, <= -2 a sequence in {@link #multi} at index -(entry + 2). */
    private final int[][] pages = new int[CodePoints.MAX >> 8][];
    private final int[][] multi;

    private static final java.util.concurrent.ConcurrentHashMap<List<Object>, BertNormalizer> CACHE =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The normalizer of these settings; immutable, so tokenizers that share settings share its tables. */
    static BertNormalizer of(boolean cleanText, boolean handleChineseChars, Boolean stripAccents, boolean lowercase) {
        List<Object> key = java.util.Arrays.asList(cleanText, handleChineseChars, stripAccents, lowercase);
        return CACHE.computeIfAbsent(key, k -> new BertNormalizer(cleanText, handleChineseChars, stripAccents, lowercase));
    }

    BertNormalizer(boolean cleanText, boolean handleChineseChars, Boolean stripAccents, boolean lowercase) {
        this.cleanText = cleanText;
        this.handleChineseChars = handleChineseChars;
        this.stripAccentsSetting = stripAccents;
        this.stripAccents = stripAccents != null ? stripAccents : lowercase;
        this.lowercase = lowercase;
        for (int cp = 0; cp < 128; cp++) {
            int[] out = normalizeOne(cp);
            ascii[cp] = out.length == 0 ? -1 : out[0]; // ASCII never maps to several code points
        }
        List<int[]> multiList = new ArrayList<>();
        for (int cp : CodePoints.casedOrAccented()) {
            int[] out = stripAndLower(cp);
            if (out.length == 1 && out[0] == cp) continue;
            int[] page = pages[cp >> 8];
            if (page == null) {
                page = new int[256];
                for (int i = 0; i < 256; i++) page[i] = ((cp >> 8) << 8) + i;
                pages[cp >> 8] = page;
            }
            int entry;
            if (out.length == 0) entry = -1;
            else if (out.length == 1) entry = out[0];
            else {
                entry = -(multiList.size() + 2);
                multiList.add(out);
            }
            page[cp & 0xFF] = entry;
        }
        multi = multiList.toArray(new int[0][]);
    }

    /** The four steps applied to a single code point: the reference the compiled tables follow. */
    int[] normalizeOne(int cp) {
        int f = CodePoints.flags(cp);
        if (cleanText && (f & CodePoints.CONTROL) != 0) return new int[0];
        if (cleanText && (f & CodePoints.CLEAN_SPACE) != 0) cp = ' ';
        int[] seq = stripAndLower(cp);
        if (handleChineseChars && CodePoints.is(cp, CodePoints.CJK)) {
            int[] spaced = new int[seq.length + 2];
            spaced[0] = ' ';
            System.arraycopy(seq, 0, spaced, 1, seq.length);
            spaced[seq.length + 1] = ' ';
            seq = spaced;
        }
        return seq;
    }

    /** Steps 3 and 4: NFD without nonspacing marks, then lowercase (each only when switched on). */
    private int[] stripAndLower(int cp) {
        int[] seq = {cp};
        if (stripAccents) {
            IntList kept = new IntList(4);
            for (int x : CodePoints.decompose(cp)) if (!CodePoints.is(x, CodePoints.NONSPACING_MARK)) kept.add(x);
            seq = kept.toArray();
        }
        if (lowercase) {
            IntList lower = new IntList(4);
            for (int c : seq) for (int x : CodePoints.lowercase(c)) lower.add(x);
            seq = lower.toArray();
        }
        return seq;
    }

    /** Normalizes code points in[from, to) and appends the result to out. */
    void normalize(int[] in, int from, int to, IntList out) {
        int start = out.size;
        int reordering = fastNormalize(in, from, to, out);
        if (stripAccents && reordering >= 2) {
            out.size = start;
            normalizeWhole(in, from, to, out);
        }
    }

    /** The table-driven normalizer; returns how many REORDERING code points it met. */
    private int fastNormalize(int[] in, int from, int to, IntList out) {
        int[] dst = out.reserve(to - from);
        int n = out.size;
        int reordering = 0;
        for (int i = from; i < to; i++) {
            int cp = in[i];
            if (cp < 128) {
                int m = ascii[cp];
                if (m >= 0) dst[n++] = m;
                continue;
            }
            int f = CodePoints.flags(cp);
            if (cleanText && (f & CodePoints.CONTROL) != 0) continue;
            if (cleanText && (f & CodePoints.CLEAN_SPACE) != 0) {
                dst[n++] = ' ';
                continue;
            }
            if ((f & CodePoints.REORDERING) != 0) reordering++;
            boolean cjk = handleChineseChars && (f & CodePoints.CJK) != 0;
            int[] page = pages[cp >> 8];
            int m = page == null ? cp : page[cp & 0xFF];
            if (cjk || m <= -2) { // several code points out: make room for them and the rest of the input
                out.size = n;
                dst = out.reserve(2 + (m <= -2 ? multi[-(m + 2)].length : 1) + (to - i));
            }
            if (cjk) dst[n++] = ' ';
            if (m >= 0) {
                dst[n++] = m;
            } else if (m <= -2) {
                int[] seq = multi[-(m + 2)];
                System.arraycopy(seq, 0, dst, n, seq.length);
                n += seq.length;
            }
            if (cjk) dst[n++] = ' ';
        }
        out.size = n;
        return reordering;
    }

    /**
     * The four steps on a whole piece, in HF's order: clean_text and CJK spaces per code point; NFD of
     * the whole text, i.e. each code point decomposed and then every run of combining characters
     * stably sorted by combining class (insertion sort: canonical ordering swaps neighbours whose
     * classes are out of order); nonspacing marks dropped; lowercase.
     */
    private void normalizeWhole(int[] in, int from, int to, IntList out) {
        IntList seq = new IntList(to - from + 8);
        for (int i = from; i < to; i++) {
            int cp = in[i];
            int f = CodePoints.flags(cp);
            if (cleanText && (f & CodePoints.CONTROL) != 0) continue;
            if (cleanText && (f & CodePoints.CLEAN_SPACE) != 0) cp = ' ';
            boolean cjk = handleChineseChars && CodePoints.is(cp, CodePoints.CJK);
            if (cjk) seq.add(' ');
            for (int x : CodePoints.decompose(cp)) seq.add(x);
            if (cjk) seq.add(' ');
        }
        int[] s = seq.data;
        boolean[] combining = new boolean[seq.size];
        for (int i = 0; i < seq.size; i++) combining[i] = CodePoints.combining(s[i]);
        for (int i = 1; i < seq.size; i++) {
            for (int j = i; j > 0 && combining[j] && combining[j - 1] && CodePoints.ordersBefore(s[j], s[j - 1]); j--) {
                int t = s[j];
                s[j] = s[j - 1];
                s[j - 1] = t;
            }
        }
        for (int i = 0; i < seq.size; i++) {
            int cp = s[i];
            if (CodePoints.is(cp, CodePoints.NONSPACING_MARK)) continue;
            if (lowercase) for (int x : CodePoints.lowercase(cp)) out.add(x);
            else out.add(cp);
        }
    }

    /** Normalizes a whole string (added-token contents are matched in this form). */
    int[] normalize(String s) {
        int[] cps = s.codePoints().toArray();
        IntList out = new IntList(cps.length + 4);
        normalize(cps, 0, cps.length, out);
        return out.toArray();
    }
}
