package jbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Added tokens with every option, on bert-base-uncased's tokenizer.json plus six tokens. The expected
 * tokens and ids were recorded from HF tokenizers 0.23.2 (the npm peer) on the same file.
 */
class AddedTokensTest {

    static BertTokenizer t;

    @BeforeAll
    static void load(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(Shared.golden("bert-base-uncased-tokenizer.json").toFile());
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        // ids as a user might write them; HF re-assigns them: "ok" is in the vocabulary (7929), so the
        // tokens after it move down by one
        add(added, 30522, "<foo>", false, true, false, false, false);
        add(added, 30523, "hello world", true, false, false, false, false);
        add(added, 30524, "ok", true, false, true, true, false);
        add(added, 30525, "Été", true, false, false, false, true);
        add(added, 30526, "[MASK", false, true, true, true, false);
        add(added, 30527, "café", false, false, false, true, false);
        ((ObjectNode) added.get(4)).put("lstrip", true); // [MASK] swallows the spaces on its left
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json.writeValueAsString(root));
        t = BertTokenizer.fromTokenizerJson(file);
    }

    private static void add(ArrayNode added, int id, String content, boolean normalized, boolean lstrip,
                            boolean rstrip, boolean singleWord, boolean special) {
        ObjectNode o = added.addObject();
        o.put("id", id).put("content", content).put("single_word", singleWord).put("lstrip", lstrip)
                .put("rstrip", rstrip).put("normalized", normalized).put("special", special);
    }

    private static void expect(String text, List<String> tokens, int... ids) {
        Encoding e = t.encode(text);
        assertEquals(tokens, e.tokens(), text);
        if (ids.length > 0) assertArrayEquals(ids, e.ids(), text);
    }

    @Test
    void idsAreReassignedAsHuggingFaceDoes() {
        assertEquals(30522, t.tokenId("<foo>"));
        assertEquals(30523, t.tokenId("hello world"));
        assertEquals(7929, t.tokenId("ok"));
        assertEquals(30524, t.tokenId("Été"));
        assertEquals(30525, t.tokenId("[MASK"));
        assertEquals(30526, t.tokenId("café"));
        assertEquals(30527, t.vocabSize());
    }

    @Test
    void normalizedTokensMatchTheNormalizedText() {
        expect("x ÉTÉ y", List.of("[CLS]", "x", "ete", "y", "[SEP]"), 101, 1060, 30524, 1061, 102);
        expect("x ete y", List.of("[CLS]", "x", "ete", "y", "[SEP]"), 101, 1060, 30524, 1061, 102);
        expect("Hello World!", List.of("[CLS]", "hello world", "!", "[SEP]"), 101, 30523, 999, 102);
        expect("HELLO  WORLD", List.of("[CLS]", "hello", "world", "[SEP]"), 101, 7592, 2088, 102);
    }

    @Test
    void lstripRstripAndSingleWord() {
        expect(" <foo> x", List.of("[CLS]", " <foo>", "x", "[SEP]"), 101, 30522, 1060, 102);
        expect("a ok b", List.of("[CLS]", "a", "ok ", "b", "[SEP]"), 101, 1037, 7929, 1038, 102);
        expect("okay ok", List.of("[CLS]", "okay", "ok", "[SEP]"), 101, 3100, 7929, 102);
        expect("a[MASK b", List.of("[CLS]", "a", "[", "mask", "b", "[SEP]"));
        expect("a [MASK b", List.of("[CLS]", "a", " [MASK ", "b", "[SEP]"), 101, 1037, 30525, 1038, 102);
        expect("x café y", List.of("[CLS]", "x", "café", "y", "[SEP]"), 101, 1060, 30526, 1061, 102);
        expect("xcafé y", List.of("[CLS]", "x", "##ca", "##fe", "y", "[SEP]"));
        expect("x  [MASK]  y", List.of("[CLS]", "x", "  [MASK]", "y", "[SEP]"), 101, 1060, 103, 1061, 102);
    }

    @Test
    void decodeUsesTheNormalizedFormOfNormalizedTokens() {
        assertEquals("ete <foo> ok hello world", t.decode(new int[] {30524, 30522, 7929, 30523}, false));
        // "Été" is special, but its id decodes to "ete", which is not a special token's content: kept
        assertEquals("ete", t.decode(new int[] {101, 30524, 102}));
    }
}
