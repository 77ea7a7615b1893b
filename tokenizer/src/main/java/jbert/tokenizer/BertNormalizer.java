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
 * Every step maps one code point to zero or more code points without looking at its neighbours,
 * so the whole normalizer is compiled once into a per-code-point table: ASCII in a flat array, the
 * rest in 256-entry pages where a missing page means "unchanged". Normalizing is then one lookup per
 * input code point.
 *
 * <p>One liberty: NFD also puts runs of combining marks into canonical order. Marks that strip_accents
 * drops cannot be told apart, so the order only shows when two kept combining characters with
 * different nonzero combining classes stand out of order (e.g. the musical symbols U+1D165..U+1D172);
 * this normalizer keeps their input order there.
 */
final class BertNormalizer {

    final boolean cleanText;
    final boolean handleChineseChars;
    /** As in the file: null means "follow lowercase". */
    final Boolean stripAccentsSetting;
    final boolean stripAccents;
    final boolean lowercase;

    /** The classes some step may change; every other code point is unchanged unless it decomposes or lowercases. */
    private static final int CHANGING = CodePoints.CONTROL | CodePoints.CLEAN_SPACE | CodePoints.CJK | CodePoints.NONSPACING_MARK;

    /** ASCII: the single output code point, or -1 when the character is dropped. */
    private final int[] ascii = new int[128];
    /** Code points >= 128, by page of 256: null page = identity; entry >= 0 one code point, -1 dropped,
     *  <= -2 a sequence in {@link #multi} at index -(entry + 2). */
    private final int[][] pages = new int[CodePoints.MAX >> 8][];
    private final List<int[]> multiList = new ArrayList<>();
    private final int[][] multi;

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
        int[] decomposable = CodePoints.decomposable();
        int d = 0;
        for (int cp = 128; cp < CodePoints.MAX; cp++) {
            while (d < decomposable.length && decomposable[d] < cp) d++;
            boolean mayChange = (CodePoints.flags(cp) & CHANGING) != 0 || (d < decomposable.length && decomposable[d] == cp)
                    || (lowercase && Character.toLowerCase(cp) != cp) || cp == 0x130;
            if (!mayChange) continue;
            int[] out = normalizeOne(cp);
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

    /** The four steps applied to a single code point. */
    int[] normalizeOne(int cp) {
        int f = CodePoints.flags(cp);
        if (cleanText && (f & CodePoints.CONTROL) != 0) return new int[0];
        if (cleanText && (f & CodePoints.CLEAN_SPACE) != 0) cp = ' ';
        int[] seq = {cp};
        if (handleChineseChars && (CodePoints.flags(cp) & CodePoints.CJK) != 0) seq = new int[] {' ', cp, ' '};
        if (stripAccents) {
            IntList kept = new IntList(4);
            for (int c : seq)
                for (int x : CodePoints.decompose(c))
                    if (!CodePoints.is(x, CodePoints.NONSPACING_MARK)) kept.add(x);
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
        int[] dst = out.reserve(to - from);
        int n = out.size;
        for (int i = from; i < to; i++) {
            int cp = in[i];
            if (cp < 128) {
                int m = ascii[cp];
                if (m >= 0) dst[n++] = m;
                continue;
            }
            int[] page = pages[cp >> 8];
            int m = page == null ? cp : page[cp & 0xFF];
            if (m >= 0) {
                dst[n++] = m;
            } else if (m <= -2) {
                int[] seq = multi[-(m + 2)];
                out.size = n;
                dst = out.reserve(seq.length + (to - i));
                System.arraycopy(seq, 0, dst, n, seq.length);
                n += seq.length;
            }
        }
        out.size = n;
    }

    /** Normalizes a whole string (added-token contents are matched in this form). */
    int[] normalize(String s) {
        int[] cps = s.codePoints().toArray();
        IntList out = new IntList(cps.length + 4);
        normalize(cps, 0, cps.length, out);
        return out.toArray();
    }
}
