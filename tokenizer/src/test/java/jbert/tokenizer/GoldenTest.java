package jbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ../shared/golden/tokenizer: the ids HF tokenizers 0.23.2 gave for every tweet of the dataset and 600
 * Unicode stress strings. Every line must match exactly, with both loaders, one by one and in a batch.
 */
class GoldenTest {

    static BertTokenizer fromVocab;
    static BertTokenizer fromJson;

    @BeforeAll
    static void load() {
        fromVocab = BertTokenizer.fromVocab(Shared.golden("bert-base-uncased-vocab.txt"), true);
        fromJson = BertTokenizer.fromTokenizerJson(Shared.golden("bert-base-uncased-tokenizer.json"));
    }

    record Line(String text, int[] ids) {}

    static List<Line> read(String name) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<Line> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Shared.golden(name))) {
            if (line.isBlank()) continue;
            JsonNode n = json.readTree(line);
            lines.add(new Line(n.get("text").asText(), json.convertValue(n.get("input_ids"), int[].class)));
        }
        return lines;
    }

    private static void check(String name, int expectedLines) throws Exception {
        List<Line> lines = read(name);
        assertEquals(expectedLines, lines.size(), name + " line count");
        List<String> texts = lines.stream().map(Line::text).toList();
        List<String> wrong = new ArrayList<>();
        for (BertTokenizer t : List.of(fromVocab, fromJson)) {
            String loader = t == fromVocab ? "vocab.txt" : "tokenizer.json";
            List<Encoding> batch = t.encodeBatch(texts, EncodeOptions.NONE);
            for (int i = 0; i < lines.size(); i++) {
                int[] one = t.encode(texts.get(i)).ids();
                if (!Arrays.equals(lines.get(i).ids(), one))
                    wrong.add(loader + " line " + (i + 1) + " " + texts.get(i) + ": " + Arrays.toString(one));
                else if (!Arrays.equals(one, batch.get(i).ids()))
                    wrong.add(loader + " line " + (i + 1) + " batch differs: " + Arrays.toString(batch.get(i).ids()));
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " mismatches in " + name + ", first: " + wrong.subList(0, Math.min(5, wrong.size())));
    }

    @Test
    void trainTweets() throws Exception {
        check("sent_train.golden.jsonl", 9543);
    }

    @Test
    void validationTweets() throws Exception {
        check("sent_valid.golden.jsonl", 2388);
    }

    @Test
    void unicodeStressStrings() throws Exception {
        check("unicode-stress.golden.jsonl", 600);
    }
}
