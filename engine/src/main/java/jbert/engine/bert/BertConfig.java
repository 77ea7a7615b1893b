package jbert.engine.bert;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a Hugging Face BERT {@code config.json}, with HF's defaults (transformers
 * {@code BertConfig}). Reading and writing the JSON lives in {@code jbert.engine.io.ConfigJson}.
 */
public final class BertConfig {
    public int vocabSize = 30522;
    public int hiddenSize = 768;
    public int numHiddenLayers = 12;
    public int numAttentionHeads = 12;
    public int intermediateSize = 3072;
    /** Only "gelu" (the exact erf form, HF's ACT2FN["gelu"]) is supported. */
    public String hiddenAct = "gelu";
    public double hiddenDropoutProb = 0.1;
    public double attentionProbsDropoutProb = 0.1;
    public int maxPositionEmbeddings = 512;
    public int typeVocabSize = 2;
    public double initializerRange = 0.02;
    public double layerNormEps = 1e-12;
    public int padTokenId = 0;
    /** Dropout before the classifier; null means hiddenDropoutProb, as in HF. */
    public Double classifierDropout = null;
    /** "single_label_classification" for our classifiers; null when unknown. */
    public String problemType = null;
    /** Label names by id; its size is the number of labels. HF's default is LABEL_0, LABEL_1. */
    public Map<Integer, String> id2label = defaultLabels(2);
    public String modelType = "bert";
    public String[] architectures = null;

    public int numLabels() { return id2label.size(); }

    /** D = H / NH. */
    public int headSize() { return hiddenSize / numAttentionHeads; }

    public double classifierDropoutProb() {
        return classifierDropout != null ? classifierDropout : hiddenDropoutProb;
    }

    public Map<String, Integer> label2id() {
        Map<String, Integer> m = new LinkedHashMap<>();
        id2label.forEach((id, name) -> m.put(name, id));
        return m;
    }

    public static Map<Integer, String> defaultLabels(int n) {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) m.put(i, "LABEL_" + i);
        return m;
    }

    /** Checks the fields that the model's shapes depend on. */
    public void validate() {
        if (hiddenSize <= 0 || numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads "
                    + numAttentionHeads);
        }
        if (vocabSize <= 0 || numHiddenLayers < 0 || intermediateSize <= 0 || maxPositionEmbeddings <= 0 || typeVocabSize <= 0) {
            throw new IllegalArgumentException("config has a non-positive size");
        }
        if (!"gelu".equals(hiddenAct)) {
            throw new IllegalArgumentException("hidden_act '" + hiddenAct + "' is not supported (only \"gelu\")");
        }
    }

    public BertConfig copy() {
        BertConfig c = new BertConfig();
        c.vocabSize = vocabSize; c.hiddenSize = hiddenSize; c.numHiddenLayers = numHiddenLayers;
        c.numAttentionHeads = numAttentionHeads; c.intermediateSize = intermediateSize; c.hiddenAct = hiddenAct;
        c.hiddenDropoutProb = hiddenDropoutProb; c.attentionProbsDropoutProb = attentionProbsDropoutProb;
        c.maxPositionEmbeddings = maxPositionEmbeddings; c.typeVocabSize = typeVocabSize;
        c.initializerRange = initializerRange; c.layerNormEps = layerNormEps; c.padTokenId = padTokenId;
        c.classifierDropout = classifierDropout; c.problemType = problemType;
        c.id2label = new LinkedHashMap<>(id2label); c.modelType = modelType;
        c.architectures = architectures == null ? null : architectures.clone();
        return c;
    }
}
