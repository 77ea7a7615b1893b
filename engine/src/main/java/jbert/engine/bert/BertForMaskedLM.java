package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.nn.Init;
import jbert.engine.nn.LayerNorm;
import jbert.engine.nn.Linear;
import jbert.engine.nn.Module;
import jbert.engine.nn.SeedSequence;
import jbert.engine.ops.BiasAdd;
import jbert.engine.ops.Gelu;

/**
 * BERT with its masked-language-model head (HF BertForMaskedLM, inference use):
 * <pre>
 *   h = LayerNorm(gelu(x W_t^T + b_t))          cls.predictions.transform
 *   logits = h E^T + b                          decoder tied to the word embeddings E [V, H]
 * </pre>
 * Parameters {@code bert.*} (no pooler), {@code cls.predictions.transform.dense.*},
 * {@code cls.predictions.transform.LayerNorm.*}, {@code cls.predictions.bias}.
 */
public final class BertForMaskedLM extends Module {
    private final BertModel bert;
    private final Linear transformDense;
    private final LayerNorm transformNorm;
    private final Tensor decoderBias;

    private static final class Group extends Module {
        <M extends Module> M add(String name, M m) { return child(name, m); }
        Tensor param(String name, Tensor t) { return parameter(name, t); }
    }

    public BertForMaskedLM(BertConfig config, Backend be, long seed) {
        Init init = new Init(seed, config.initializerRange);
        bert = child("bert", new BertModel(config, be, init, new SeedSequence(seed), false));
        Group cls = child("cls", new Group());
        Group predictions = cls.add("predictions", new Group());
        Group transform = predictions.add("transform", new Group());
        transformDense = transform.add("dense", new Linear(be, config.hiddenSize, config.hiddenSize, init));
        transformNorm = transform.add("LayerNorm", new LayerNorm(be, config.hiddenSize, config.layerNormEps));
        decoderBias = predictions.param("bias", Tensor.zeros(be, config.vocabSize)); // [V]
    }

    public BertModel bert() { return bert; }

    /** [B, T, V] */
    public Tensor logits(Batch batch) {
        Tensor hidden = bert.forward(batch).lastHiddenState();             // [B, T, H]
        Tensor h = transformNorm.forward(Gelu.forward(transformDense.forward(hidden))); // [B, T, H]
        Tensor words = bert.embeddings.wordEmbeddings.weight;              // [V, H], tied decoder
        return BiasAdd.forward(jbert.engine.ops.Linear.forward(h, words, null), decoderBias); // [B, T, V]
    }
}
