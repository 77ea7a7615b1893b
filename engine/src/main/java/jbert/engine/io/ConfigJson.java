package jbert.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import jbert.engine.bert.BertConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link BertConfig} from and to a Hugging Face {@code config.json} (transformers
 * {@code BertConfig.to_json_string}: keys sorted, two-space indent). Google's {@code bert_config.json}
 * has the same keys and reads the same way.
 *
 * <p>The keys that fix the model's shapes are required: {@code vocab_size}, {@code hidden_size},
 * {@code num_hidden_layers}, {@code num_attention_heads}, {@code intermediate_size},
 * {@code max_position_embeddings}, {@code type_vocab_size}. The others take HF's defaults when absent.
 * A key of the wrong JSON type, or a value the engine cannot honour ({@code hidden_act} other than
 * {@code "gelu"}, a {@code position_embedding_type} other than {@code "absolute"}, a
 * {@code model_type} other than {@code "bert"}, labels that disagree), is an error naming the file and
 * the key.
 */
public final class ConfigJson {
    private ConfigJson() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code "key": value}, two-space indent: how Python's json.dumps(indent=2) lays it out. */
    private static final DefaultPrettyPrinter HF_STYLE = new DefaultPrettyPrinter(
            Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);

    private static final List<String> PROBLEM_TYPES =
            List.of("regression", "single_label_classification", "multi_label_classification");

    public static BertConfig read(Path file) {
        JsonNode root = Safetensors.readJson(file);
        if (root == null || !root.isObject()) throw ModelFormatException.in(file, "not a JSON object");
        Reader r = new Reader(file, root);
        BertConfig c = new BertConfig();
        c.vocabSize = r.requiredInt("vocab_size");
        c.hiddenSize = r.requiredInt("hidden_size");
        c.numHiddenLayers = r.requiredInt("num_hidden_layers");
        c.numAttentionHeads = r.requiredInt("num_attention_heads");
        c.intermediateSize = r.requiredInt("intermediate_size");
        c.maxPositionEmbeddings = r.requiredInt("max_position_embeddings");
        c.typeVocabSize = r.requiredInt("type_vocab_size");

        c.hiddenAct = r.string("hidden_act", c.hiddenAct);
        c.hiddenDropoutProb = r.number("hidden_dropout_prob", c.hiddenDropoutProb);
        c.attentionProbsDropoutProb = r.number("attention_probs_dropout_prob", c.attentionProbsDropoutProb);
        c.initializerRange = r.number("initializer_range", c.initializerRange);
        c.layerNormEps = r.number("layer_norm_eps", c.layerNormEps);
        c.padTokenId = r.integer("pad_token_id", c.padTokenId);
        c.classifierDropout = r.nullableNumber("classifier_dropout");
        c.problemType = r.nullableString("problem_type");
        if (c.problemType != null && !PROBLEM_TYPES.contains(c.problemType)) {
            throw r.bad("problem_type", "'" + c.problemType + "' is not one of " + PROBLEM_TYPES);
        }
        c.modelType = r.string("model_type", "bert");
        if (!c.modelType.equals("bert")) throw r.bad("model_type", "'" + c.modelType + "' is not a BERT model");
        String positions = r.string("position_embedding_type", "absolute");
        if (!positions.equals("absolute")) throw r.bad("position_embedding_type", "'" + positions + "' is not supported (only \"absolute\")");
        c.architectures = r.stringArray("architectures");
        c.id2label = labels(r, root);

        if (c.hiddenDropoutProb < 0 || c.hiddenDropoutProb >= 1) throw r.bad("hidden_dropout_prob", "must be in [0, 1)");
        if (c.attentionProbsDropoutProb < 0 || c.attentionProbsDropoutProb >= 1) throw r.bad("attention_probs_dropout_prob", "must be in [0, 1)");
        if (c.classifierDropout != null && (c.classifierDropout < 0 || c.classifierDropout >= 1)) throw r.bad("classifier_dropout", "must be in [0, 1)");
        if (!(c.layerNormEps > 0)) throw r.bad("layer_norm_eps", "must be positive");
        try {
            c.validate();
        } catch (IllegalArgumentException e) {
            throw ModelFormatException.in(file, e.getMessage());
        }
        return c;
    }

    /** id2label, else label2id inverted, else num_labels default names, else HF's two labels. */
    private static Map<Integer, String> labels(Reader r, JsonNode root) {
        Map<Integer, String> id2label = null;
        JsonNode ids = root.get("id2label");
        if (ids != null && !ids.isNull()) {
            if (!ids.isObject()) throw r.bad("id2label", "must be an object {\"0\": \"name\", ...}");
            TreeMap<Integer, String> m = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = ids.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw r.bad("id2label", "key '" + e.getKey() + "' is not an integer");
                }
                if (!e.getValue().isTextual()) throw r.bad("id2label", "label of " + id + " is not a string");
                m.put(id, e.getValue().asText());
            }
            id2label = contiguous(r, "id2label", m);
        }
        JsonNode names = root.get("label2id");
        if (names != null && !names.isNull()) {
            if (!names.isObject()) throw r.bad("label2id", "must be an object {\"name\": 0, ...}");
            TreeMap<Integer, String> m = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = names.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isIntegralNumber()) throw r.bad("label2id", "id of '" + e.getKey() + "' is not an integer");
                if (m.put(e.getValue().asInt(), e.getKey()) != null) {
                    throw r.bad("label2id", "id " + e.getValue().asInt() + " is given to two labels");
                }
            }
            Map<Integer, String> inverse = contiguous(r, "label2id", m);
            if (id2label == null) id2label = inverse;
            else if (!id2label.equals(inverse)) throw r.bad("label2id", "disagrees with id2label");
        }
        JsonNode n = root.get("num_labels");
        if (n != null) {
            if (!n.isIntegralNumber() || n.asInt() < 1) throw r.bad("num_labels", "must be a positive integer");
            if (id2label == null) id2label = BertConfig.defaultLabels(n.asInt());
            else if (id2label.size() != n.asInt()) throw r.bad("num_labels", n.asInt() + " but id2label has " + id2label.size() + " labels");
        }
        return id2label != null ? id2label : BertConfig.defaultLabels(2);
    }

    private static Map<Integer, String> contiguous(Reader r, String key, TreeMap<Integer, String> m) {
        if (m.isEmpty()) throw r.bad(key, "has no labels");
        int expect = 0;
        for (int id : m.keySet()) {
            if (id != expect++) throw r.bad(key, "ids must be 0.." + (m.size() - 1) + ", found " + id);
        }
        return new LinkedHashMap<>(m);
    }

    /** Typed access to the keys, with errors naming file and key. */
    private record Reader(Path file, JsonNode root) {
        ModelFormatException bad(String key, String why) {
            return ModelFormatException.in(file, "key " + key + ": " + why);
        }

        int requiredInt(String key) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) throw ModelFormatException.in(file, "missing required key " + key);
            return toInt(key, v);
        }

        int integer(String key, int dflt) {
            JsonNode v = root.get(key);
            return v == null || v.isNull() ? dflt : toInt(key, v);
        }

        private int toInt(String key, JsonNode v) {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw bad(key, "must be an integer, got " + v);
            return v.asInt();
        }

        double number(String key, double dflt) {
            Double d = nullableNumber(key);
            return d == null ? dflt : d;
        }

        Double nullableNumber(String key) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) return null;
            if (!v.isNumber()) throw bad(key, "must be a number, got " + v);
            return v.asDouble();
        }

        String string(String key, String dflt) {
            String s = nullableString(key);
            return s == null ? dflt : s;
        }

        String nullableString(String key) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) return null;
            if (!v.isTextual()) throw bad(key, "must be a string, got " + v);
            return v.asText();
        }

        String[] stringArray(String key) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) return null;
            if (!v.isArray()) throw bad(key, "must be a list of strings, got " + v);
            String[] out = new String[v.size()];
            for (int i = 0; i < out.length; i++) {
                if (!v.get(i).isTextual()) throw bad(key, "must be a list of strings, got " + v);
                out[i] = v.get(i).asText();
            }
            return out;
        }
    }

    /** The config as HF writes it: every BERT key, sorted, two-space indent, newline at the end. */
    public static String toJson(BertConfig c) {
        TreeMap<String, Object> m = new TreeMap<>();
        if (c.architectures != null) m.put("architectures", List.of(c.architectures));
        m.put("attention_probs_dropout_prob", c.attentionProbsDropoutProb);
        m.put("classifier_dropout", c.classifierDropout);
        m.put("hidden_act", c.hiddenAct);
        m.put("hidden_dropout_prob", c.hiddenDropoutProb);
        m.put("hidden_size", c.hiddenSize);
        Map<String, String> id2label = new LinkedHashMap<>();
        Map<String, Integer> label2id = new LinkedHashMap<>();
        new TreeMap<>(c.id2label).forEach((k, v) -> { id2label.put(Integer.toString(k), v); label2id.put(v, k); });
        m.put("id2label", id2label);
        m.put("initializer_range", c.initializerRange);
        m.put("intermediate_size", c.intermediateSize);
        m.put("label2id", label2id);
        m.put("layer_norm_eps", c.layerNormEps);
        m.put("max_position_embeddings", c.maxPositionEmbeddings);
        m.put("model_type", c.modelType);
        m.put("num_attention_heads", c.numAttentionHeads);
        m.put("num_hidden_layers", c.numHiddenLayers);
        m.put("pad_token_id", c.padTokenId);
        m.put("position_embedding_type", "absolute");
        if (c.problemType != null) m.put("problem_type", c.problemType);
        m.put("type_vocab_size", c.typeVocabSize);
        m.put("use_cache", true);
        m.put("vocab_size", c.vocabSize);
        try {
            return JSON.writer(HF_STYLE).writeValueAsString(m) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code config.json} atomically. */
    public static void write(Path file, BertConfig c) {
        AtomicFiles.write(file, toJson(c).getBytes(StandardCharsets.UTF_8));
    }
}
