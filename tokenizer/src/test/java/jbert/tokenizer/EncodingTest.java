package jbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Specials in text, templates, truncation, padding, batches and decoding (HF tokenizer/mod.rs, utils/). */
class EncodingTest {

    static BertTokenizer t;

    @BeforeAll
    static void load(@TempDir Path dir) {
        t = TestVocab.uncased(dir);
    }

    private static int id(String token) {
        return t.tokenId(token);
    }

    private static int[] ids(String... tokens) {
        int[] out = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) out[i] = id(tokens[i]);
        return out;
    }

    @Test
    void singleTextGetsClsAndSep() {
        Encoding e = t.encode("Hello, world!");
        assertEquals(List.of("[CLS]", "hello", ",", "world", "!", "[SEP]"), e.tokens());
        assertArrayEquals(ids("[CLS]", "hello", ",", "world", "!", "[SEP]"), e.ids());
        assertArrayEquals(new int[6], e.typeIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1}, e.attentionMask());
        assertArrayEquals(new int[] {1, 0, 0, 0, 0, 1}, e.specialTokensMask());
    }

    @Test
    void pairGetsSecondSegmentTypeIds() {
        Encoding e = t.encode("hello", "world !");
        assertEquals(List.of("[CLS]", "hello", "[SEP]", "world", "!", "[SEP]"), e.tokens());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, e.typeIds());
        Encoding plain = t.encode("hello", "world", EncodeOptions.NONE.addSpecialTokens(false));
        assertEquals(List.of("hello", "world"), plain.tokens());
        assertArrayEquals(new int[] {0, 1}, plain.typeIds());
    }

    @Test
    void specialTokensWrittenInTheTextStayWhole() {
        // they are not normalized: found before lowercasing, so "[mask]" is three ordinary words
        assertEquals(List.of("[CLS]", "a", "[MASK]", "b", "[SEP]", "[UNK]", "[", "[UNK]", "]", "[SEP]"),
                t.encode("a[MASK]b [SEP][UNK] [mask]").tokens());
        assertArrayEquals(ids("[CLS]", "[MASK]", "[SEP]"), t.encode("[MASK]").ids());
    }

    @Test
    void truncationSingleKeepsTheFirstTokensAndTheSpecials() {
        Encoding e = t.encode("a b c x y", EncodeOptions.truncateTo(4));
        assertEquals(List.of("[CLS]", "a", "b", "[SEP]"), e.tokens());
        assertThrows(IllegalArgumentException.class, () -> t.encode("a b", EncodeOptions.truncateTo(1)));
    }

    @Test
    void truncationOfPairsIsLongestFirst() {
        // 9 = 3 specials + 6; 5 and 2 ids: the longer text loses tokens until it fits
        Encoding e = t.encode("a b c x y", "a b", EncodeOptions.truncateTo(9));
        assertEquals(List.of("[CLS]", "a", "b", "c", "x", "[SEP]", "a", "b", "[SEP]"), e.tokens());
        // both too long: 5 = 2 + 3, the longer text (the first) gets the odd token
        e = t.encode("a b c x y c", "a b c x y", EncodeOptions.truncateTo(8));
        assertEquals(List.of("[CLS]", "a", "b", "c", "[SEP]", "a", "b", "[SEP]"), e.tokens());
        // HF 0.23 stops reading each text after the word that reaches maxLength ids: here both count 8,
        // a tie, so the second text gets the odd token although the first is longer in full
        e = t.encode("a b c x y a b c x y", "a b c x y a b c", EncodeOptions.truncateTo(8));
        assertEquals(List.of("[CLS]", "a", "b", "[SEP]", "a", "b", "c", "[SEP]"), e.tokens());
        // a word of 3 pieces read whole: the first text counts 9 > 8 and keeps the odd token
        e = t.encode("a b c x y a b unaffable", "a b c x y a b c", EncodeOptions.truncateTo(8));
        assertEquals(List.of("[CLS]", "a", "b", "c", "[SEP]", "a", "b", "[SEP]"), e.tokens());
    }

    @Test
    void paddingToLongestAndToMaxLength() {
        List<Encoding> batch = t.encodeBatch(List.of("hello", "a b c x y"), EncodeOptions.NONE.padding(EncodeOptions.Padding.LONGEST));
        assertEquals(List.of("[CLS]", "hello", "[SEP]", "[PAD]", "[PAD]", "[PAD]", "[PAD]"), batch.get(0).tokens());
        assertArrayEquals(new int[] {1, 1, 1, 0, 0, 0, 0}, batch.get(0).attentionMask());
        assertArrayEquals(new int[] {1, 0, 1, 1, 1, 1, 1}, batch.get(0).specialTokensMask());
        assertEquals(7, batch.get(1).length());

        EncodeOptions fixed = EncodeOptions.truncateTo(5).padding(EncodeOptions.Padding.MAX_LENGTH);
        assertEquals(List.of("[CLS]", "hello", "[SEP]", "[PAD]", "[PAD]"), t.encode("hello", fixed).tokens());
        assertEquals(List.of("[CLS]", "a", "b", "c", "[SEP]"), t.encode("a b c x y", fixed).tokens());
        Encoding pair = t.encodeBatch(List.of("a"), List.of("b"), fixed).get(0);
        assertArrayEquals(new int[] {0, 0, 0, 1, 1}, pair.typeIds());
    }

    @Test
    void batchEqualsOneByOne() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 500; i++) texts.add("hello " + "a ".repeat(i % 7) + (i % 3 == 0 ? "[MASK] world" : "un" + "b".repeat(i % 4)));
        List<Encoding> batch = t.encodeBatch(texts, EncodeOptions.truncateTo(6));
        for (int i = 0; i < texts.size(); i++)
            assertArrayEquals(t.encode(texts.get(i), EncodeOptions.truncateTo(6)).ids(), batch.get(i).ids(), texts.get(i));
    }

    @Test
    void decodeGluesContinuationsAndCleansUpSpaces() {
        assertEquals("unaffable, world!", t.decode(t.encode("unaffable , world !").ids()));
        assertEquals("[CLS] hello [SEP]", t.decode(t.encode("hello").ids(), false));
        // HF tokenizers cleans each token (with its leading space) on its own, so " ' " spanning two
        // tokens stays; transformers' clean_up_tokenization_spaces then cleans the whole text
        assertEquals("don ' t", t.decode(ids("don", "'", "t"), true, false));
        assertEquals("don't", t.decode(ids("don", "'", "t")));

        assertEquals("hello.", t.decode(ids("hello", ".")));
        // ids without a token are skipped
        assertEquals("hello", t.decode(new int[] {id("hello"), 99999}));
    }

    @Test
    void vocabularyAccessors() {
        assertEquals(TestVocab.TOKENS.size(), t.vocabSize());
        assertEquals(0, t.padId());
        assertEquals(1, t.unkId());
        assertEquals(2, t.clsId());
        assertEquals(3, t.sepId());
        assertEquals(4, t.maskId());
        assertEquals(-1, t.tokenId("nope"));
        assertEquals("##aff", t.token(8));
    }
}
