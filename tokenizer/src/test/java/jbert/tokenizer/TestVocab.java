package jbert.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A small BERT-style vocabulary for unit tests that do not need the real 30,522 tokens. */
final class TestVocab {
    private TestVocab() {}

    static final List<String> TOKENS = List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
            "hello", "world", "un", "##aff", "##able", "##a", "##b", "a", "b", "c", "x", "y",
            ",", "!", ".", "'", "s", "t", "don", "cafe", "##s", "中", "文", "i", "##i", "ς", "σ", "##σ",
            "😀", "𝐀", "##𝐀", "𠀀", "play", "##ing", "##ed", "[", "]");

    static Path write(Path dir) {
        try {
            Path p = dir.resolve("vocab.txt");
            Files.writeString(p, String.join("\n", TOKENS) + "\n");
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BertTokenizer uncased(Path dir) {
        return BertTokenizer.fromVocab(write(dir), true);
    }
}
