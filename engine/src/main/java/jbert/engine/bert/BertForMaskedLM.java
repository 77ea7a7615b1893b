package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.bert.fast.FastPlan;
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

    /** Fresh weights from {@code seed} (load pretrained ones afterwards by name); the fast plan. */
    public BertForMaskedLM(BertConfig config, Backend be, long seed) {
        this(config, be, seed, FastPlan.INSTANCE);
    }

    /** As {@link #BertForMaskedLM(BertConfig, Backend, long)}, the encoder's blocks run by {@code plan}. */
    public BertForMaskedLM(BertConfig config, Backend be, long seed, LayerPlan plan) {
        Init init = new Init(seed, config.initializerRange);
        bert = child("bert", new BertModel(config, be, init, new SeedSequence(seed), false, plan));
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
        Tensor sequenceOutput = bert.forward(batch).lastHiddenState();     // [B, T, H]
        Tensor h = transformDense.forward(sequenceOutput);                 // [B, T, H]
        h = transformNorm.forward(Gelu.forward(h));                        // [B, T, H]
        Tensor decoder = bert.embeddings().wordEmbeddings().weight;        // [V, H], tied to the word embeddings
        Tensor predictionScores = jbert.engine.ops.Linear.forward(h, decoder, null); // [B, T, V]
        return BiasAdd.forward(predictionScores, decoderBias);             // [B, T, V]
    }
}
