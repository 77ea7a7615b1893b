package jbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, refusing bad files with a one-line message that names them, and saving an HF folder. */
class TokenizerFilesTest {

    @TempDir
    Path dir;

    /** The error must name the file and say what is wrong, on one line. */
    private static void refused(Supplier<?> load, Path file, String... parts) {
        TokenizerException e = assertThrows(TokenizerException.class, load::get);
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.startsWith(file.toString()), "names the file: " + m);
        for (String p : parts) assertTrue(m.contains(p), "says \"" + p + "\": " + m);
    }

    private Path write(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void badVocabularies() throws Exception {
        Path missing = dir.resolve("nope.txt");
        refused(() -> BertTokenizer.fromVocab(missing, true), missing, "no such file");
        Path empty = write("empty.txt", "");
        refused(() -> BertTokenizer.fromVocab(empty, true), empty, "empty vocabulary");
        Path noUnk = write("nounk.txt", "[PAD]\n[CLS]\n[SEP]\nhello\n");
        refused(() -> BertTokenizer.fromVocab(noUnk, true), noUnk, "no [UNK]");
        Path dup = write("dup.txt", "[UNK]\n[CLS]\n[SEP]\nhello\nworld\nhello\n");
        refused(() -> BertTokenizer.fromVocab(dup, true), dup, ":6:", "duplicate token \"hello\"", "line 4");
        Path blank = write("blank.txt", "[UNK]\n[CLS]\n\n[SEP]\n");
        refused(() -> BertTokenizer.fromVocab(blank, true), blank, ":3:", "empty line");
        Path bad = dir.resolve("bad.txt");
        Files.write(bad, new byte[] {'[', 'U', 'N', 'K', ']', '\n', 'a', (byte) 0xC3, '\n'});
        refused(() -> BertTokenizer.fromVocab(bad, true), bad, ":2:", "not valid UTF-8");
    }

    @Test
    void vocabLinesEndWithAnyNewlineAndIdsAreLineNumbers() throws Exception {
        Path crlf = write("crlf.txt", "[PAD]\r\n[UNK]\r\n[CLS]\r[SEP]\nhello");
        BertTokenizer t = BertTokenizer.fromVocab(crlf, true);
        assertEquals(5, t.vocabSize());
        assertArrayEquals(new int[] {2, 4, 3}, t.encode("HELLO").ids());
    }

    @Test
    void badTokenizerJson() throws Exception {
        Path broken = write("broken.json", "{\"model\": {\"type\": \"WordPiece\",\n \"vocab\": {\"a\": 0,}}}");
        refused(() -> BertTokenizer.fromTokenizerJson(broken), broken, "unreadable JSON", "line 2");
        Path bpe = write("bpe.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}");
        refused(() -> BertTokenizer.fromTokenizerJson(bpe), bpe, "BPE", "WordPiece");
        Path unigram = write("unigram.json", "{\"model\": {\"vocab\": [[\"a\", -1.0]], \"unk_id\": 0}}");
        refused(() -> BertTokenizer.fromTokenizerJson(unigram), unigram, "Unigram");
        Path noUnk = write("nounk.json", "{\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": {\"a\": 0}}}");
        refused(() -> BertTokenizer.fromTokenizerJson(noUnk), noUnk, "model.unk_token", "[UNK]");
        Path dupKey = write("dupkey.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0, \"a\": 1, \"a\": 2}}}");
        refused(() -> BertTokenizer.fromTokenizerJson(dupKey), dupKey, "unreadable JSON", "Duplicate field 'a'");
        Path dupId = write("dupid.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0, \"a\": 1, \"b\": 1}}}");
        refused(() -> BertTokenizer.fromTokenizerJson(dupId), dupId, "share id 1");
        Path norm = write("norm.json", "{\"normalizer\": {\"type\": \"NFKC\"}, \"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}}}");
        refused(() -> BertTokenizer.fromTokenizerJson(norm), norm, "normalizer.type", "NFKC");
    }

    @Test
    void savedFolderIsTheHuggingFaceFileAndLoadsBack() throws Exception {
        Path goldenJson = Shared.golden("bert-base-uncased-tokenizer.json");
        BertTokenizer original = BertTokenizer.fromVocab(Shared.golden("bert-base-uncased-vocab.txt"), true);
        Path out = dir.resolve("model");
        original.save(out);
        ObjectMapper json = new ObjectMapper();
        // the written tokenizer.json is HF's own serialization of this tokenizer, field for field
        assertEquals(json.readTree(goldenJson.toFile()), json.readTree(out.resolve("tokenizer.json").toFile()));
        assertEquals(Files.readAllLines(Shared.golden("bert-base-uncased-vocab.txt")), Files.readAllLines(out.resolve("vocab.txt")));
        JsonNode config = json.readTree(out.resolve("tokenizer_config.json").toFile());
        assertEquals("BertTokenizer", config.get("tokenizer_class").asText());
        assertTrue(config.get("do_lower_case").asBoolean());
        assertEquals("[MASK]", json.readTree(out.resolve("special_tokens_map.json").toFile()).get("mask_token").asText());
        try (var files = Files.list(out)) {
            assertEquals(List.of("special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        String text = "Hello, [MASK] wörld! 中文 😀 don't";
        int[] expected = original.encode(text).ids();
        assertArrayEquals(expected, BertTokenizer.load(out).encode(text).ids());
        assertArrayEquals(expected, BertTokenizer.load(out.resolve("tokenizer.json")).encode(text).ids());
        assertArrayEquals(expected, BertTokenizer.load(out.resolve("vocab.txt")).encode(text).ids());
    }

    @Test
    void loadReadsACasedFolderByItsConfig() throws Exception {
        Path folder = dir.resolve("cased");
        Files.createDirectories(folder);
        TestVocab.write(folder);
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"do_lower_case\": false, \"clean_up_tokenization_spaces\": false}");
        BertTokenizer cased = BertTokenizer.load(folder);
        assertEquals(List.of("[UNK]", "hello"), cased.tokens("Hello hello"));
        assertFalse(cased.lowercase());
        assertEquals("don ' t", cased.decode(cased.encode("don't").ids()));
        assertEquals("don't", TestVocab.uncased(dir).decode(cased.encode("don't").ids()));
    }

    @Test
    void tokenizerJsonTruncationAndPaddingBecomeTheDefaults() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(Shared.golden("bert-base-uncased-tokenizer.json").toFile());
        root.putObject("truncation").put("max_length", 6).put("strategy", "LongestFirst").put("stride", 0).put("direction", "Right");
        ObjectNode pad = root.putObject("padding");
        pad.putObject("strategy").put("Fixed", 6);
        pad.put("direction", "Right").put("pad_id", 0).put("pad_type_id", 0).put("pad_token", "[PAD]").putNull("pad_to_multiple_of");
        Path file = write("fixed.json", json.writeValueAsString(root));
        BertTokenizer t = BertTokenizer.fromTokenizerJson(file);
        assertEquals(List.of("[CLS]", "a", "b", "c", "d", "[SEP]"), t.encode("a b c d e f").tokens());
        assertEquals(List.of("[CLS]", "a", "[SEP]", "[PAD]", "[PAD]", "[PAD]"), t.encode("a").tokens());
        t.save(dir.resolve("saved"));
        assertEquals(root.get("truncation"), json.readTree(dir.resolve("saved/tokenizer.json").toFile()).get("truncation"));
        assertEquals(root.get("padding"), json.readTree(dir.resolve("saved/tokenizer.json").toFile()).get("padding"));
    }
}
