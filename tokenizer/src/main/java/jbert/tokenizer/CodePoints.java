package jbert.tokenizer;

import java.text.Normalizer;

/**
 * Character classes of every Unicode code point, as Hugging Face tokenizers 0.23 sees them.
 *
 * <p>HF's BERT stages ask four questions of a character, each answered by a different Rust table:
 * <ul>
 *   <li>{@code char::is_whitespace} (Rust std, the White_Space property): BertPreTokenizer splits there,
 *       and BertNormalizer's {@code is_whitespace} is the same plus \t \n \r;
 *   <li>{@code is_other()} / {@code is_punctuation()} / {@code is_mark_nonspacing()} from the crate
 *       {@code unicode_categories} 0.1, whose tables are Unicode 8.0: BertNormalizer's {@code is_control}
 *       is Cc, Cf or Co (never Cn), BertPreTokenizer's punctuation is ASCII punctuation or P*,
 *       strip_accents drops Mn;
 *   <li>{@code nfd()} from {@code unicode-normalization-alignments}, with Unicode 12 data;
 *   <li>{@code char::to_lowercase} (Rust std, Unicode 17).
 * </ul>
 * Java 25's {@link Character} and {@link Normalizer} speak Unicode 16. We start from Java's answer and
 * correct it where the versions differ: undo what Unicode 9-16 added or changed for the older HF tables,
 * add the Unicode 17 lowercase letters for the newer one. The exception
 * lists below were found by running HF tokenizers 0.23.2 and this class over all 1,112,064 scalar
 * values ({@code CodePointsTest} repeats the comparison); each names the versions that explain it.
 */
final class CodePoints {

    private CodePoints() {}

    /** Dropped by BertNormalizer clean_text: is_control (Cc, Cf, Co but not \t \n \r), NUL and U+FFFD. */
    static final int CONTROL = 1;
    /** Turned into ' ' by clean_text: \t \n \r or White_Space (checked after CONTROL, so U+0085 is dropped). */
    static final int CLEAN_SPACE = 2;
    /** Rust {@code char::is_whitespace} (White_Space): BertPreTokenizer splits and drops it. */
    static final int WHITESPACE = 4;
    /** BertPreTokenizer punctuation: ASCII 33-47, 58-64, 91-96, 123-126, or Unicode 8.0 P*. */
    static final int PUNCTUATION = 8;
    /** A CJK ideograph that BertNormalizer surrounds with spaces ({@code is_chinese_char}). */
    static final int CJK = 16;
    /** Nonspacing mark (Unicode 8.0 Mn): strip_accents removes it after NFD. */
    static final int NONSPACING_MARK = 32;
    /** Regex {@code \w} (Alphabetic, M*, Nd, Pc, Join_Control): the single_word test of added tokens. */
    static final int WORD = 64;

    /** A character strip_accents keeps that has a nonzero canonical combining class, or one whose NFD
     *  holds such a character: two of them in a row may be reordered by NFD (see BertNormalizer). */
    static final int REORDERING = 128;

    static final int MAX = 0x110000;

    /** One byte of flags per code point: 1.1 MB, read once per non-ASCII character. */
    private static final byte[] FLAGS = new byte[MAX];

    /** White_Space property (Rust char::is_whitespace); stable since Unicode 6.3 dropped U+180E. */
    private static final int[] WHITE_SPACE = {
        0x9, 0xD, 0x20, 0x20, 0x85, 0x85, 0xA0, 0xA0, 0x1680, 0x1680, 0x2000, 0x200A,
        0x2028, 0x2029, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000};

    /** HF normalizers/bert.rs is_chinese_char: the CJK Unified Ideographs blocks it lists. */
    private static final int[] CJK_RANGES = {
        0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F, 0x2B740, 0x2B81F,
        0x2B920, 0x2CEAF, 0xF900, 0xFAFF, 0x2F800, 0x2FA1F};

    /** Cf characters added in Unicode 9-16 (e.g. U+0890 Arabic pound mark above, Egyptian hieroglyph
     *  format controls): unknown to the Unicode 8.0 tables, so HF keeps them as ordinary characters. */
    private static final int[] FORMAT_AFTER_8 = {0x890, 0x891, 0x8E2, 0x8E2, 0x110CD, 0x110CD, 0x13430, 0x1343F};

    /** P* characters added in Unicode 9-16: not punctuation for HF, they stay inside words. */
    private static final int[] PUNCTUATION_AFTER_8 = {
        0x61D, 0x61D, 0x9FD, 0x9FD, 0xA76, 0xA76, 0xC77, 0xC77, 0xC84, 0xC84, 0x1B4E, 0x1B4F,
        0x1B7D, 0x1B7F, 0x2E43, 0x2E4F, 0x2E52, 0x2E5D, 0x10D6E, 0x10D6E, 0x10EAD, 0x10EAD,
        0x10F55, 0x10F59, 0x10F86, 0x10F89, 0x113D4, 0x113D5, 0x113D7, 0x113D8, 0x1144B, 0x1144F,
        0x1145A, 0x1145B, 0x1145D, 0x1145D, 0x11660, 0x1166C, 0x116B9, 0x116B9, 0x1183B, 0x1183B,
        0x11944, 0x11946, 0x119E2, 0x119E2, 0x11A3F, 0x11A46, 0x11A9A, 0x11A9C, 0x11A9E, 0x11AA2,
        0x11B00, 0x11B09, 0x11BE1, 0x11BE1, 0x11C41, 0x11C45, 0x11C70, 0x11C71, 0x11EF7, 0x11EF8,
        0x11F43, 0x11F4F, 0x11FFF, 0x11FFF, 0x12FF1, 0x12FF2, 0x16D6D, 0x16D6F, 0x16E97, 0x16E9A,
        0x16FE2, 0x16FE2, 0x1E5FF, 0x1E5FF, 0x1E95E, 0x1E95F};

    /** Characters that were punctuation in Unicode 8.0 and are not any more: U+166D Canadian
     *  syllabics chi sign (Po, So since 12.0), U+111C9 Sharada sandhi mark (Po, Mn since 13.0). */
    private static final int[] PUNCTUATION_IN_8_ONLY = {0x166D, 0x166D, 0x111C9, 0x111C9};

    /** Mn characters added in Unicode 9-16 (and U+111C9, Po in 8.0): HF's strip_accents keeps them. */
    private static final int[] NONSPACING_AFTER_8 = {
        0x7FD, 0x7FD, 0x897, 0x89F, 0x8CA, 0x8E1, 0x9FE, 0x9FE, 0xAFA, 0xAFF, 0xB55, 0xB55, 0xC04, 0xC04,
        0xC3C, 0xC3C, 0xD00, 0xD00, 0xD3B, 0xD3C, 0xD81, 0xD81, 0xEBA, 0xEBA, 0xECE, 0xECE,
        0x180F, 0x180F, 0x1885, 0x1886, 0x1ABF, 0x1ACE, 0x1DF6, 0x1DFB, 0xA82C, 0xA82C, 0xA8C5, 0xA8C5,
        0xA8FF, 0xA8FF, 0xA9BD, 0xA9BD, 0x10D24, 0x10D27, 0x10D69, 0x10D6D, 0x10EAB, 0x10EAC,
        0x10EFC, 0x10EFF, 0x10F46, 0x10F50, 0x10F82, 0x10F85, 0x11070, 0x11070, 0x11073, 0x11074,
        0x110C2, 0x110C2, 0x111C9, 0x111C9, 0x111CF, 0x111CF, 0x1123E, 0x1123E, 0x11241, 0x11241,
        0x1133B, 0x1133B, 0x113BB, 0x113C0, 0x113CE, 0x113CE, 0x113D0, 0x113D0, 0x113D2, 0x113D2,
        0x113E1, 0x113E2, 0x11438, 0x1143F, 0x11442, 0x11444, 0x11446, 0x11446, 0x1145E, 0x1145E,
        0x1182F, 0x11837, 0x11839, 0x1183A, 0x1193B, 0x1193C, 0x1193E, 0x1193E, 0x11943, 0x11943,
        0x119D4, 0x119D7, 0x119DA, 0x119DB, 0x119E0, 0x119E0, 0x11A01, 0x11A0A, 0x11A33, 0x11A38,
        0x11A3B, 0x11A3E, 0x11A47, 0x11A47, 0x11A51, 0x11A56, 0x11A59, 0x11A5B, 0x11A8A, 0x11A96,
        0x11A98, 0x11A99, 0x11C30, 0x11C36, 0x11C38, 0x11C3D, 0x11C3F, 0x11C3F, 0x11C92, 0x11CA7,
        0x11CAA, 0x11CB0, 0x11CB2, 0x11CB3, 0x11CB5, 0x11CB6, 0x11D31, 0x11D36, 0x11D3A, 0x11D3A,
        0x11D3C, 0x11D3D, 0x11D3F, 0x11D45, 0x11D47, 0x11D47, 0x11D90, 0x11D91, 0x11D95, 0x11D95,
        0x11D97, 0x11D97, 0x11EF3, 0x11EF4, 0x11F00, 0x11F01, 0x11F36, 0x11F3A, 0x11F40, 0x11F40,
        0x11F42, 0x11F42, 0x11F5A, 0x11F5A, 0x13440, 0x13440, 0x13447, 0x13455, 0x1611E, 0x16129,
        0x1612D, 0x1612F, 0x16F4F, 0x16F4F, 0x16FE4, 0x16FE4, 0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46,
        0x1E000, 0x1E006, 0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023, 0x1E024, 0x1E026, 0x1E02A,
        0x1E08F, 0x1E08F, 0x1E130, 0x1E136, 0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF, 0x1E4EC, 0x1E4EF,
        0x1E5EE, 0x1E5EF, 0x1E944, 0x1E94A};

    /** Mn in Unicode 8.0, Mc since 14.0: U+1734 Hanunoo sign pamudpod, U+1171E Ahom consonant sign medial ra. */
    private static final int[] NONSPACING_IN_8_ONLY = {0x1734, 0x1734, 0x1171E, 0x1171E};

    /** Canonical decompositions added in Unicode 13-16 (Dives Akuru, Kirat Rai, Tulu-Tigalari, Gurung
     *  Khema, Vithkuqi): the Unicode 12 NFD tables HF uses leave these characters whole. */
    private static final int[] DECOMPOSITION_AFTER_12 = {
        0x105C9, 0x105C9, 0x105E4, 0x105E4, 0x11383, 0x11383, 0x11385, 0x11385, 0x1138E, 0x1138E,
        0x11391, 0x11391, 0x113C5, 0x113C5, 0x113C7, 0x113C8, 0x11938, 0x11938, 0x16121, 0x16128,
        0x16D68, 0x16D6A};

    /** Capital letters of Unicode 17 with a lowercase (Latin U+A7CE, U+A7D2, U+A7D4 and Beria Erfe
     *  U+16EA0..U+16EB8): the Rust std that HF 0.23.2 was built with has Unicode 17 case tables, Java 25
     *  has Unicode 16 and leaves them alone. Pairs of (capital range, offset to its small letter). */
    private static final int[] LOWERCASE_IN_17 = {0xA7CE, 0xA7CE, 1, 0xA7D2, 0xA7D2, 1, 0xA7D4, 0xA7D4, 1, 0x16EA0, 0x16EB8, 0x1B};

    /** Characters that HF's strip_accents keeps (not Mn in Unicode 8.0) although their canonical
     *  combining class is not 0 (Unicode 12): viramas written as spacing marks (Balinese, Sundanese,
     *  Batak, Javanese, Rejang, Sharada, Khojki, Grantha, Newa, Takri, Bhaiksuki), Hangul tone marks,
     *  musical stems and flags, and marks of Unicode 9-12 (Arabic, Glagolitic, Adlam). Found by asking
     *  HF's NFD which characters trade places with U+0334 (class 1) or U+0301 (class 230). */
    private static final int[] KEPT_COMBINING = {
        0x8D4, 0x8E1, 0x1B44, 0x1B44, 0x1BAA, 0x1BAA, 0x1BF2, 0x1BF3, 0x1DFB, 0x1DFB, 0x302E, 0x302F,
        0xA953, 0xA953, 0xA9C0, 0xA9C0, 0x111C0, 0x111C0, 0x11235, 0x11235, 0x1134D, 0x1134D,
        0x11442, 0x11442, 0x11446, 0x11446, 0x116B6, 0x116B6, 0x11C3F, 0x11C3F, 0x1D165, 0x1D166,
        0x1D16D, 0x1D172, 0x1E000, 0x1E006, 0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023, 0x1E024,
        0x1E026, 0x1E02A, 0x1E944, 0x1E94A};

    /** Characters with a nonzero combining class in Java's Unicode 16 that HF's normalization tables
     *  do not know (added in Unicode 11-16): HF's NFD treats them as starters and never moves them. */
    private static final int[] COMBINING_UNKNOWN_TO_HF = {
        0x7FD, 0x7FD, 0x897, 0x89F, 0x8CA, 0x8D3, 0x9FE, 0x9FE, 0xC3C, 0xC3C, 0xD3B, 0xD3C, 0xEBA, 0xEBA,
        0x1715, 0x1715, 0x1ABF, 0x1ACE, 0x1DF6, 0x1DFA, 0xA82C, 0xA82C, 0x10D24, 0x10D27, 0x10D69, 0x10D6D,
        0x10EAB, 0x10EAC, 0x10EFD, 0x10EFF, 0x10F46, 0x10F50, 0x10F82, 0x10F85, 0x11070, 0x11070,
        0x1133B, 0x1133B, 0x113CE, 0x113D0, 0x1145E, 0x1145E, 0x11839, 0x1183A, 0x1193D, 0x1193E,
        0x11943, 0x11943, 0x119E0, 0x119E0, 0x11A34, 0x11A34, 0x11A47, 0x11A47, 0x11A99, 0x11A99,
        0x11D42, 0x11D42, 0x11D44, 0x11D45, 0x11D97, 0x11D97, 0x11F41, 0x11F42, 0x1612F, 0x1612F,
        0x16FF0, 0x16FF1, 0x1E08F, 0x1E08F, 0x1E130, 0x1E136, 0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF,
        0x1E4EC, 0x1E4EF, 0x1E5EE, 0x1E5EF};

    /** Code points that strip_accents or lowercase may change: they decompose (per HF's Unicode 12
     *  tables), are nonspacing marks, or have a lowercase other than themselves; ascending. */
    private static final int[] CASED_OR_ACCENTED;

    static {
        for (int cp = 0; cp < MAX; cp++) {
            int type = Character.getType(cp);
            int f = 0;
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE) f |= CONTROL;
            if (isPunctuationType(type) || isAsciiPunctuation(cp)) f |= PUNCTUATION;
            if (type == Character.NON_SPACING_MARK) f |= NONSPACING_MARK;
            if (Character.isAlphabetic(cp) || type == Character.NON_SPACING_MARK
                    || type == Character.COMBINING_SPACING_MARK || type == Character.ENCLOSING_MARK
                    || type == Character.DECIMAL_DIGIT_NUMBER || type == Character.CONNECTOR_PUNCTUATION
                    || cp == 0x200C || cp == 0x200D) f |= WORD;
            FLAGS[cp] = (byte) f;
        }
        clear(FORMAT_AFTER_8, CONTROL);
        clear(PUNCTUATION_AFTER_8, PUNCTUATION);
        set(PUNCTUATION_IN_8_ONLY, PUNCTUATION);
        clear(NONSPACING_AFTER_8, NONSPACING_MARK);
        set(NONSPACING_IN_8_ONLY, NONSPACING_MARK);
        set(WHITE_SPACE, WHITESPACE | CLEAN_SPACE);
        set(CJK_RANGES, CJK);
        // \t \n \r are Cc but BertNormalizer counts them as whitespace; NUL and U+FFFD are dropped explicitly.
        for (int cp : new int[] {'\t', '\n', '\r'}) FLAGS[cp] = (byte) ((FLAGS[cp] & ~CONTROL) | CLEAN_SPACE);
        FLAGS[0] |= CONTROL;
        FLAGS[0xFFFD] |= CONTROL;

        int[] found = new int[32768];
        int n = 0;
        for (int cp = 0xC0; cp < MAX; cp++) {
            if (mayDecompose(cp) || (FLAGS[cp] & NONSPACING_MARK) != 0 || lowercase(cp)[0] != cp) {
                if (n == found.length) found = java.util.Arrays.copyOf(found, n * 2);
                found[n++] = cp;
            }
        }
        CASED_OR_ACCENTED = java.util.Arrays.copyOf(found, n);
        set(KEPT_COMBINING, REORDERING);
        for (int i = 0; i < n; i++) {
            int cp = found[i];
            if (cp >= 0xAC00 && cp <= 0xD7A3) continue; // Hangul syllables decompose into jamo only
            for (int x : decompose(cp)) if (x != cp && (FLAGS[x] & REORDERING) != 0) FLAGS[cp] |= (byte) REORDERING;
        }
    }

    /** Whether NFD changes cp, asking java.text.Normalizer only outside the big blocks known to be
     *  all-decomposing (Hangul syllables) or never-decomposing (CJK ideographs, Yi, surrogates). */
    private static boolean mayDecompose(int cp) {
        if (cp >= 0xAC00 && cp <= 0xD7A3) return true;
        if (cp >= 0x2FA20 || (cp >= 0x3400 && cp <= 0xA4CF) || (cp >= 0xD800 && cp <= 0xF8FF)
                || (cp >= 0x20000 && cp <= 0x2F7FF)) return false;
        return !Normalizer.isNormalized(Character.toString(cp), Normalizer.Form.NFD) && !in(DECOMPOSITION_AFTER_12, cp);
    }

    private static boolean isPunctuationType(int type) {
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    /** Rust char::is_ascii_punctuation: the 32 ASCII symbols, all of them, including $ + < = > ^ ` | ~. */
    private static boolean isAsciiPunctuation(int cp) {
        return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
    }

    private static void set(int[] ranges, int flag) {
        for (int i = 0; i < ranges.length; i += 2)
            for (int cp = ranges[i]; cp <= ranges[i + 1]; cp++) FLAGS[cp] |= (byte) flag;
    }

    private static void clear(int[] ranges, int flag) {
        for (int i = 0; i < ranges.length; i += 2)
            for (int cp = ranges[i]; cp <= ranges[i + 1]; cp++) FLAGS[cp] &= (byte) ~flag;
    }

    private static boolean in(int[] ranges, int cp) {
        for (int i = 0; i < ranges.length; i += 2) if (cp >= ranges[i] && cp <= ranges[i + 1]) return true;
        return false;
    }

    /** The flags of one code point (a surrogate half, which a valid string never yields alone, has none). */
    static int flags(int cp) {
        return FLAGS[cp] & 0xFF;
    }

    static boolean is(int cp, int flag) {
        return (FLAGS[cp] & flag) != 0;
    }

    /** The code points strip_accents or lowercase may change, ascending. */
    static int[] casedOrAccented() {
        return CASED_OR_ACCENTED;
    }

    /** The canonical decomposition of one code point, as HF's Unicode 12 NFD gives it. */
    static int[] decompose(int cp) {
        if (in(DECOMPOSITION_AFTER_12, cp)) return new int[] {cp};
        return Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFD).codePoints().toArray();
    }

    /**
     * Whether cp has a nonzero canonical combining class for HF's NFD. Java has no public accessor for
     * the class, so ask its Normalizer: a mark of class c > 1 trades places with U+0334 (class 1) put
     * after it, and one of class 1..229 with U+0301 (class 230) put before it.
     */
    static boolean combining(int cp) {
        if (cp < 0x300 || in(COMBINING_UNKNOWN_TO_HF, cp)) return false;
        String c = Character.toString(cp);
        return Normalizer.normalize(c + "\u0334", Normalizer.Form.NFD).startsWith("\u0334")
                || Normalizer.normalize("\u0301" + c, Normalizer.Form.NFD).startsWith(c);
    }

    /** Whether canonical ordering puts b before a (both combining): class(a) > class(b). */
    static boolean ordersBefore(int b, int a) {
        String ab = Character.toString(a) + Character.toString(b);
        return !Normalizer.normalize(ab, Normalizer.Form.NFD).equals(ab);
    }

    /**
     * Rust {@code char::to_lowercase}: one code point (Unicode 17), except U+0130 (I with dot above), the only
     * unconditional multi-character lowercase in SpecialCasing.txt: "i" + U+0307. Java's
     * {@code Character.toLowerCase(int)} gives plain "i" there, and {@code String.toLowerCase} would
     * apply the context-dependent final sigma rule, which Rust's per-character mapping does not.
     */
    static int[] lowercase(int cp) {
        if (cp == 0x130) return new int[] {'i', 0x307};
        for (int i = 0; i < LOWERCASE_IN_17.length; i += 3)
            if (cp >= LOWERCASE_IN_17[i] && cp <= LOWERCASE_IN_17[i + 1]) return new int[] {cp + LOWERCASE_IN_17[i + 2]};
        return new int[] {Character.toLowerCase(cp)};
    }
}
