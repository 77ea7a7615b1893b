package jbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** BertNormalizer step by step (HF normalizers/bert.rs). */
class NormalizerTest {

    private static String run(BertNormalizer n, String s) {
        int[] out = n.normalize(s);
        return new String(out, 0, out.length);
    }

    @Test
    void cleanTextDropsControlsAndTurnsWhitespaceIntoSpaces() {
        BertNormalizer clean = BertNormalizer.of(true, false, false, false);
        assertEquals("a b c d", run(clean, "a\tb\nc\rd"));
        // NUL, U+FFFD, a C0 control, soft hyphen (Cf), zero width space (Cf), BOM, private use: dropped
        assertEquals("ab", run(clean, "a\u0000\uFFFD\u0007\u00AD\u200B\uFEFF\uE000b"));
        // U+0085 is White_Space but also Cc: the control test comes first, so it is dropped
        assertEquals("ab", run(clean, "a\u0085b"));
        // no-break space, ideographic space, thin space: White_Space, become ' '
        assertEquals("a b c d", run(clean, "a\u00A0b\u3000c\u2009d"));
        // U+180E (Mongolian vowel separator) is Cf, so it goes; U+0890 (Cf since Unicode 14) stays for HF
        assertEquals("ab\u0890", run(clean, "a\u180Eb\u0890"));
    }

    @Test
    void chineseCharactersGetSpacesAroundThem() {
        BertNormalizer cjk = BertNormalizer.of(false, true, false, false);
        assertEquals("a 中  文 b", run(cjk, "a中文b"));
        // CJK extension B (outside the BMP) counts; Hiragana and Hangul do not
        assertEquals(" 𠀀 あ한", run(cjk, "𠀀あ한"));
    }

    @Test
    void stripAccentsDecomposesAndDropsNonspacingMarks() {
        BertNormalizer strip = BertNormalizer.of(false, false, true, false);
        assertEquals("cafe naive Angstrom", run(strip, "café naïve Ångström"));
        assertEquals("e", run(strip, "e\u0301"));            // combining acute already apart
        assertEquals("\u1100\u1161", run(strip, "가"));       // Hangul decomposes into jamo, kept
        assertEquals("A", run(strip, "\u212B"));              // Angstrom sign -> A + ring above -> A
    }

    @Test
    void keptCombiningMarksAreReorderedAsNfdDoes() {
        // expected values from HF tokenizers 0.23.2 (strip_accents alone): U+1D16D has class 226,
        // U+1D165 216, U+0301 230 (dropped); U+1D15F decomposes into U+1D158 (a starter) + U+1D165
        BertNormalizer strip = BertNormalizer.of(false, false, true, false);
        assertEquals("\uD834\uDD65\uD834\uDD6D", run(strip, "\uD834\uDD6D\uD834\uDD65"));
        assertEquals("a\uD834\uDD65\uD834\uDD6D", run(strip, "a\uD834\uDD6D\u0301\uD834\uDD65"));
        assertEquals("\uD834\uDD6D\uD834\uDD58\uD834\uDD65", run(strip, "\uD834\uDD6D\uD834\uDD5F"));
        // U+1E08F (Unicode 15, class 230 for Java) is unknown to HF's tables: a starter, nothing moves
        assertEquals("\uD834\uDD6D\uD838\uDC8F\uD834\uDD65", run(strip, "\uD834\uDD6D\uD838\uDC8F\uD834\uDD65"));
        // U+1D1BD decomposes into U+1D1B9 U+1D165 U+1D16E; U+1D16D (226) sorts after all of them
        assertEquals("\uD834\uDDB9\uD834\uDD65\uD834\uDD6E\uD834\uDD6D", run(strip, "\uD834\uDDBD\uD834\uDD6D"));
        // the same through the uncased defaults, with text and a CJK ideograph around
        assertEquals("x \u4E2D \uD834\uDD65\uD834\uDD6Dy", run(BertNormalizer.of(true, true, null, true), "X\u4E2D\uD834\uDD6D\uD834\uDD65Y"));
    }

    @Test
    void lowercaseIsPerCharacterLikeRust() {
        BertNormalizer lower = BertNormalizer.of(false, false, false, true);
        assertEquals("hello σσ", run(lower, "HeLLo ΣΣ"));     // no final-sigma rule, unlike String.toLowerCase
        assertEquals("i\u0307", run(lower, "İ"));             // the one multi-character lowercase
        assertEquals("ß", run(lower, "ẞ"));
        assertEquals("𐐨", run(lower, "𐐀"));                  // Deseret, outside the BMP
        assertEquals("\uA7CF", run(lower, "\uA7CE"));         // Unicode 17 case pair, known to Rust, not to Java 25
    }

    @Test
    void uncasedDefaultsCombineAllStepsInHuggingFaceOrder() {
        BertNormalizer bert = BertNormalizer.of(true, true, null, true); // strip_accents null follows lowercase
        assertEquals(" 中 cafe i", run(bert, "中CAFÉ\u00A0İ"));
        BertNormalizer cased = BertNormalizer.of(true, true, null, false);
        assertEquals(" 中 CAFÉ İ", run(cased, "中CAFÉ\u00A0İ"));
    }
}
