package jbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BertPreTokenizer and WordPiece on a small vocabulary. */
class PreTokenizerWordPieceTest {

    private static List<String> words(String s) {
        int[] cps = s.codePoints().toArray();
        List<String> out = new ArrayList<>();
        BertPreTokenizer.split(cps, 0, cps.length, (c, from, to) -> out.add(new String(c, from, to - from)));
        return out;
    }

    @Test
    void splitsOnWhitespaceAndIsolatesEveryPunctuationCharacter() {
        assertEquals(List.of("don", "'", "t", "stop", "!", "!"), words("don't  stop!!"));
        // all ASCII symbols count, $ + < = > ^ ` | ~ included (they are Sc/Sm/Sk in Unicode)
        assertEquals(List.of("$", "5", "+", "3", "=", "8", "^", "`", "|", "~", "<", ">"), words("$5+3=8^`|~<>"));
        // Unicode P*: em dash, guillemets, CJK full stop; U+00A0 splits as whitespace
        assertEquals(List.of("a", "—", "b", "«", "c", "»", "。", "d", "e"), words("a—b«c»。d\u00A0e"));
        // a symbol outside ASCII (So, Sm) is not punctuation: the emoji stays inside the word
        assertEquals(List.of("a😀b", "∑x"), words("a😀b ∑x"));
    }

    @Test
    void wordPieceIsGreedyLongestMatchFirst(@TempDir Path dir) {
        BertTokenizer t = TestVocab.uncased(dir);
        assertEquals(List.of("un", "##aff", "##able"), t.tokens("unaffable"));
        assertEquals(List.of("play", "##ing", "play", "##ed"), t.tokens("playing played"));
        // no entry for "##q": the whole word becomes [UNK], not a partial split
        assertEquals(List.of("[UNK]", "hello"), t.tokens("unq hello"));
        assertEquals(List.of("a", "##a", "##a", "##b"), t.tokens("aaab"));
    }

    @Test
    void wordsLongerThanOneHundredCodePointsAreUnknown(@TempDir Path dir) {
        BertTokenizer t = TestVocab.uncased(dir);
        assertEquals(100, t.tokens("a".repeat(100)).size());
        assertEquals(List.of("[UNK]"), t.tokens("a".repeat(101)));
        // code points, not chars: 100 math bold A (200 UTF-16 chars) are still one word of 100
        assertEquals(100, t.tokens("𝐀".repeat(100)).size());
        assertEquals(List.of("[UNK]"), t.tokens("𝐀".repeat(101)));
    }

    @Test
    void charactersOutsideTheBmpAreSingleCodePoints(@TempDir Path dir) {
        BertTokenizer t = TestVocab.uncased(dir);
        assertEquals(List.of("😀", "𝐀", "##𝐀", "𠀀", "x"), t.tokens("😀 𝐀𝐀 𠀀x"));
        // a lone surrogate is not a character: it is read as U+FFFD, which clean_text drops
        assertEquals(List.of("x", "y"), t.tokens("x\uD800 y"));
    }
}
