package jbert.engine.io;

import jbert.engine.SharedFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jbert.engine.bert.BertConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

class ConfigJsonTest {
    @TempDir Path dir;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheTinyBertConfig() {
        BertConfig c = ConfigJson.read(SharedFiles.require("golden/tiny-bert/config.json"));
        assertEquals(128, c.vocabSize);
        assertEquals(32, c.hiddenSize);
        assertEquals(2, c.numHiddenLayers);
        assertEquals(4, c.numAttentionHeads);
        assertEquals(64, c.intermediateSize);
        assertEquals(64, c.maxPositionEmbeddings);
        assertEquals(1e-12, c.layerNormEps);
        assertNull(c.classifierDropout);
        assertEquals(Map.of(0, "Bearish", 1, "Bullish", 2, "Neutral"), c.id2label);
        assertArrayEquals(new String[]{"BertForSequenceClassification"}, c.architectures);
    }

    @Test
    void writeThenReadGivesTheSameConfig() throws IOException {
        BertConfig c = new BertConfig();
        c.id2label = new java.util.LinkedHashMap<>(Map.of(0, "Bearish", 1, "Bullish", 2, "Neutral"));
        c.problemType = "single_label_classification";
        c.classifierDropout = 0.25;
        c.architectures = new String[]{"BertForSequenceClassification"};
        Path f = dir.resolve("config.json");
        ConfigJson.write(f, c);
        BertConfig back = ConfigJson.read(f);
        assertEquals(ConfigJson.toJson(c), ConfigJson.toJson(back));
        var tree = JSON.readTree(f.toFile());
        assertEquals("Bullish", tree.get("id2label").get("1").asText());
        assertEquals(2, tree.get("label2id").get("Neutral").asInt());
        assertEquals("single_label_classification", tree.get("problem_type").asText());
        assertEquals(1e-12, tree.get("layer_norm_eps").asDouble());
        assertEquals("gelu", tree.get("hidden_act").asText());
    }

    /** Writes the tiny config with one change and returns the error message. */
    private String rejected(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode n = (ObjectNode) JSON.readTree(SharedFiles.require("golden/tiny-bert/config.json").toFile());
        edit.accept(n);
        Path f = dir.resolve("config.json");
        Files.writeString(f, n.toString());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ConfigJson.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e.getMessage();
    }

    @Test
    void missingOrMistypedKeysAreNamed() throws IOException {
        assertTrue(rejected(n -> n.remove("hidden_size")).endsWith("missing required key hidden_size"));
        assertTrue(rejected(n -> n.put("num_hidden_layers", "2")).contains("key num_hidden_layers: must be an integer"));
        assertTrue(rejected(n -> n.put("vocab_size", 1.5)).contains("key vocab_size: must be an integer"));
        assertTrue(rejected(n -> n.put("layer_norm_eps", "tiny")).contains("key layer_norm_eps: must be a number"));
        assertTrue(rejected(n -> n.put("hidden_act", 3)).contains("key hidden_act: must be a string"));
        assertTrue(rejected(n -> n.put("hidden_act", "relu")).contains("hidden_act 'relu' is not supported"));
        assertTrue(rejected(n -> n.put("num_attention_heads", 5)).contains("not a multiple of num_attention_heads"));
        assertTrue(rejected(n -> n.put("model_type", "roberta")).contains("key model_type"));
        assertTrue(rejected(n -> n.putArray("id2label")).contains("key id2label"));
        assertTrue(rejected(n -> ((ObjectNode) n.get("id2label")).put("x", "A")).contains("key id2label: key 'x' is not an integer"));
        assertTrue(rejected(n -> ((ObjectNode) n.get("id2label")).remove("1")).contains("key id2label: ids must be 0..1"));
        assertTrue(rejected(n -> ((ObjectNode) n.get("label2id")).put("Bearish", 2)).contains("key label2id"));
        assertTrue(rejected(n -> n.put("num_labels", 5)).contains("key num_labels"));
        assertTrue(rejected(n -> n.put("problem_type", "ranking")).contains("key problem_type"));
        assertTrue(rejected(n -> n.put("classifier_dropout", "0.1")).contains("key classifier_dropout: must be a number"));
        assertTrue(rejected(n -> n.put("architectures", "Bert")).contains("key architectures"));
    }

    @Test
    void brokenJsonIsRejected() throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"hidden_size\": 768,");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ConfigJson.read(f));
        assertTrue(e.getMessage().startsWith(f + ": not valid JSON"), e.getMessage());
        Files.writeString(f, "[]");
        e = assertThrows(ModelFormatException.class, () -> ConfigJson.read(f));
        assertTrue(e.getMessage().endsWith("not a JSON object"), e.getMessage());
    }

    @Test
    void googleBertConfigWithoutHfKeysReads() throws IOException {
        Path f = dir.resolve("bert_config.json");
        Files.writeString(f, "{\"attention_probs_dropout_prob\": 0.1, \"hidden_act\": \"gelu\", \"hidden_dropout_prob\": 0.1,"
                + " \"hidden_size\": 768, \"initializer_range\": 0.02, \"intermediate_size\": 3072, \"max_position_embeddings\": 512,"
                + " \"num_attention_heads\": 12, \"num_hidden_layers\": 12, \"type_vocab_size\": 2, \"vocab_size\": 30522}");
        BertConfig c = ConfigJson.read(f);
        assertEquals(1e-12, c.layerNormEps);
        assertEquals(2, c.numLabels());
        assertEquals("LABEL_1", c.id2label.get(1));
    }
}
