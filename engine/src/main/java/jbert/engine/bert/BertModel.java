package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.bert.fast.FastPlan;
import jbert.engine.nn.Init;
import jbert.engine.nn.Linear;
import jbert.engine.nn.Module;
import jbert.engine.nn.SeedSequence;
import jbert.engine.ops.SelectToken;
import jbert.engine.ops.Tanh;

import java.util.ArrayList;
import java.util.List;

/**
 * The BERT encoder (HF BertModel): embeddings, L post-LN blocks, and the pooler
 * tanh(W h_[CLS] + b). Parameter names: {@code embeddings.*}, {@code encoder.layer.N.*},
 * {@code pooler.dense.*}.
 *
 * <p>The blocks run through a {@link LayerPlan} chosen at construction: the fast plan unless a
 * constructor is given {@link LayerPlan#TEXTBOOK}.
 */
public final class BertModel extends Module {
    /** The encoder's result: every token's final hidden state, and the pooled [CLS] vector. */
    public record Output(Tensor lastHiddenState, Tensor pooled) {}

    private final BertConfig config;
    private final Backend backend;
    private final BertEmbeddings embeddings;
    private final BertEncoder encoder;
    private final BertPooler pooler;

    /** A BertModel with freshly initialised weights (HF's _init_weights), seeded; the fast plan. */
    public BertModel(BertConfig config, Backend be, long seed) {
        this(config, be, seed, FastPlan.INSTANCE);
    }

    /** As {@link #BertModel(BertConfig, Backend, long)}, its blocks run by {@code plan}. */
    public BertModel(BertConfig config, Backend be, long seed, LayerPlan plan) {
        this(config, be, new Init(seed, config.initializerRange), new SeedSequence(seed), true, plan);
    }

    BertModel(BertConfig config, Backend be, Init init, SeedSequence seeds, boolean withPooler, LayerPlan plan) {
        config.validate();
        this.config = config;
        this.backend = be;
        embeddings = child("embeddings", new BertEmbeddings(config, be, init, seeds));
        encoder = child("encoder", new BertEncoder(config, be, init, seeds, plan));
        pooler = withPooler ? child("pooler", new BertPooler(config, be, init)) : null;
    }

    public BertConfig config() { return config; }
    public BertEmbeddings embeddings() { return embeddings; }

    /** Runs the encoder. lastHiddenState is [B, T, H]; pooled is [B, H] (null without a pooler). */
    public Output forward(Batch batch) {
        int B = batch.B(), T = batch.T(), H = config.hiddenSize;
        Tensor extendedAttentionMask = extendedAttentionMask(backend, batch);  // [B, T]
        Tensor embeddingOutput = embeddings.forward(batch);                    // [B*T, H]
        Tensor encoded = encoder.forward(embeddingOutput, extendedAttentionMask, B, T); // [B*T, H]
        Tensor sequenceOutput = encoded.reshape(B, T, H);                      // [B, T, H]
        Tensor pooledOutput = pooler != null ? pooler.forward(sequenceOutput) : null; // [B, H]
        return new Output(sequenceOutput, pooledOutput);
    }

    /**
     * HF's extended attention mask: 0 where attention_mask is 1, the float32 minimum where it is 0,
     * added to every query's scores (get_extended_attention_mask). [B, T]
     */
    static Tensor extendedAttentionMask(Backend be, Batch batch) {
        float[] m = new float[batch.B() * batch.T()];
        int[] am = batch.attentionMask();
        if (am != null) for (int i = 0; i < m.length; i++) m[i] = am[i] != 0 ? 0f : -Float.MAX_VALUE;
        return Tensor.of(be, m, batch.B(), batch.T());                         // [B, T]
    }

    /** The stack of blocks (HF BertEncoder): {@code layer.0} .. {@code layer.L-1}, run by the plan. */
    private static final class BertEncoder extends Module {
        private final List<BertLayer> layer = new ArrayList<>();
        private final LayerPlan plan;

        BertEncoder(BertConfig c, Backend be, Init init, SeedSequence seeds, LayerPlan plan) {
            for (int i = 0; i < c.numHiddenLayers; i++) layer.add(child("layer." + i, new BertLayer(c, be, init, seeds)));
            this.plan = plan;
        }

        /** hiddenStates [B*T, H] through every block: [B*T, H]. */
        Tensor forward(Tensor hiddenStates, Tensor mask, int B, int T) {
            for (BertLayer l : layer) hiddenStates = plan.forward(l, hiddenStates, mask, B, T); // [B*T, H]
            return hiddenStates;
        }
    }

    /** tanh(W h_[CLS] + b): "pooling" by taking the first token's hidden state (HF BertPooler). */
    private static final class BertPooler extends Module {
        private final Linear dense;

        BertPooler(BertConfig c, Backend be, Init init) {
            dense = child("dense", new Linear(be, c.hiddenSize, c.hiddenSize, init));
        }

        /** hiddenStates [B, T, H] to [B, H]. */
        Tensor forward(Tensor hiddenStates) {
            Tensor firstTokenTensor = SelectToken.forward(hiddenStates, 0);   // [B, H]
            Tensor pooledOutput = dense.forward(firstTokenTensor);           // [B, H]
            return Tanh.forward(pooledOutput);                               // [B, H]
        }
    }
}
