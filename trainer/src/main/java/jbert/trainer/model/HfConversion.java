package jbert.trainer.model;

import jbert.engine.bert.BertConfig;
import jbert.engine.io.ConfigJson;
import jbert.engine.io.ModelFormatException;
import jbert.engine.io.Safetensors;
import jbert.engine.io.TensorSource;
import jbert.engine.io.TfCheckpoint;
import jbert.tokenizer.BertTokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TensorFlow BERT checkpoint made into a Hugging Face model folder: {@code config.json},
 * {@code model.safetensors} (HF names, kernels transposed, pretraining heads kept), {@code vocab.txt},
 * {@code tokenizer.json}, {@code tokenizer_config.json}, {@code special_tokens_map.json}. This is what
 * transformers' {@code convert_bert_original_tf_checkpoint_to_pytorch} plus {@code save_pretrained} give.
 */
public final class HfConversion {
    private HfConversion() {}

    private static final Pattern LAYER = Pattern.compile("^bert\\.encoder\\.layer\\.(\\d+)\\.");

    /**
     * Writes the HF files into {@code out} (an empty staging folder). Tensors stream one at a time
     * from the checkpoint into the safetensors file, each CRC-checked as it is read.
     *
     * @param config    the model's config, or null to infer it from the weights' shapes
     * @param lowercase whether the tokenizer lowercases (uncased models)
     */
    public static BertConfig tfToHf(TfCheckpoint checkpoint, BertConfig config, Path vocab, boolean lowercase, Path out,
                                    Consumer<String> notice) {
        try (TensorSource weights = checkpoint.hfView()) {
            if (config == null) {
                config = inferConfig(weights);
                notice.accept(weights.origin() + ": no config.json; inferred " + describe(config) + " from the weights");
            }
            checkShapes(weights, config);
            Map<String, int[]> shapes = new LinkedHashMap<>();
            for (String n : weights.names()) shapes.put(n, weights.shape(n));
            Safetensors.write(out.resolve(Safetensors.SINGLE_FILE), shapes, n -> weights.read(n).data(), Map.of("format", "pt"));
        }
        ConfigJson.write(out.resolve("config.json"), config);
        BertTokenizer tokenizer = BertTokenizer.fromVocab(vocab, lowercase);
        if (tokenizer.vocabSize() != config.vocabSize) {
            throw ModelFormatException.in(vocab, tokenizer.vocabSize() + " tokens but the model's vocab_size is " + config.vocabSize);
        }
        tokenizer.save(out);
        return config;
    }

    static String describe(BertConfig c) {
        return "L=" + c.numHiddenLayers + " H=" + c.hiddenSize + " A=" + c.numAttentionHeads + " I=" + c.intermediateSize
                + " V=" + c.vocabSize;
    }

    /**
     * The config from the shapes. Everything but the head count is in a shape; Google's BERT models all
     * use heads of 64 dimensions (BERT-Tiny to BERT-Large), so NH = H / 64.
     */
    static BertConfig inferConfig(TensorSource w) {
        BertConfig c = new BertConfig();
        int[] words = need(w, "bert.embeddings.word_embeddings.weight", 2);
        c.vocabSize = words[0];
        c.hiddenSize = words[1];
        c.maxPositionEmbeddings = need(w, "bert.embeddings.position_embeddings.weight", 2)[0];
        c.typeVocabSize = need(w, "bert.embeddings.token_type_embeddings.weight", 2)[0];
        c.intermediateSize = need(w, "bert.encoder.layer.0.intermediate.dense.weight", 2)[0];
        c.numHiddenLayers = layerCount(w);
        if (c.hiddenSize % 64 != 0) {
            throw ModelFormatException.in(w.origin(), "hidden size " + c.hiddenSize + " is not a multiple of 64: "
                    + "the head count cannot be inferred; put a bert_config.json beside the checkpoint");
        }
        c.numAttentionHeads = c.hiddenSize / 64;
        c.architectures = new String[]{w.contains("cls.predictions.bias") ? "BertForMaskedLM" : "BertModel"};
        return c;
    }

    private static int[] need(TensorSource w, String name, int rank) {
        if (!w.contains(name)) throw ModelFormatException.in(w.origin(), "no variable maps to " + name + ": not a BERT checkpoint");
        int[] s = w.shape(name);
        if (s.length != rank) throw ModelFormatException.tensor(w.origin(), name, "rank " + s.length + ", expected " + rank);
        return s;
    }

    private static int layerCount(TensorSource w) {
        int max = -1;
        for (String n : w.names()) {
            Matcher m = LAYER.matcher(n);
            if (m.find()) max = Math.max(max, Integer.parseInt(m.group(1)));
        }
        return max + 1;
    }

    /** The shapes that the config fixes, checked before anything is written. */
    static void checkShapes(TensorSource w, BertConfig c) {
        int H = c.hiddenSize;
        expect(w, "bert.embeddings.word_embeddings.weight", c.vocabSize, H);
        expect(w, "bert.embeddings.position_embeddings.weight", c.maxPositionEmbeddings, H);
        expect(w, "bert.embeddings.token_type_embeddings.weight", c.typeVocabSize, H);
        int layers = layerCount(w);
        if (layers != c.numHiddenLayers) {
            throw ModelFormatException.in(w.origin(), layers + " encoder layers, but the config says num_hidden_layers "
                    + c.numHiddenLayers);
        }
        for (int l = 0; l < layers; l++) {
            String p = "bert.encoder.layer." + l + ".";
            expect(w, p + "attention.self.query.weight", H, H);
            expect(w, p + "intermediate.dense.weight", c.intermediateSize, H);
            expect(w, p + "output.dense.weight", H, c.intermediateSize);
        }
    }

    private static void expect(TensorSource w, String name, int... shape) {
        if (!w.contains(name)) throw ModelFormatException.in(w.origin(), "no variable maps to " + name);
        int[] s = w.shape(name);
        if (!Arrays.equals(s, shape)) {
            throw ModelFormatException.tensor(w.origin(), name, "shape " + Arrays.toString(s) + " but the config needs "
                    + Arrays.toString(shape));
        }
    }
}
