package jbert.engine.bert;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.nn.Dropout;
import jbert.engine.nn.Embedding;
import jbert.engine.nn.Init;
import jbert.engine.nn.LayerNorm;
import jbert.engine.nn.Module;
import jbert.engine.nn.SeedSequence;
import jbert.engine.ops.Add;

/**
 * The input layer: e = LayerNorm(word[id] + position[t] + token_type[segment]), then dropout
 * (HF BertEmbeddings, absolute position embeddings).
 */
public final class BertEmbeddings extends Module {
    private final Embedding wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings;
    private final LayerNorm layerNorm;
    private final Dropout dropout;
    private final int maxPositions;

    BertEmbeddings(BertConfig c, Backend be, Init init, SeedSequence seeds) {
        wordEmbeddings = child("word_embeddings", new Embedding(be, c.vocabSize, c.hiddenSize, init, c.padTokenId));
        positionEmbeddings = child("position_embeddings", new Embedding(be, c.maxPositionEmbeddings, c.hiddenSize, init, -1));
        tokenTypeEmbeddings = child("token_type_embeddings", new Embedding(be, c.typeVocabSize, c.hiddenSize, init, -1));
        layerNorm = child("LayerNorm", new LayerNorm(be, c.hiddenSize, c.layerNormEps));
        dropout = child("dropout", new Dropout(c.hiddenDropoutProb, seeds));
        maxPositions = c.maxPositionEmbeddings;
    }

    /** @return [B*T, H] */
    public Tensor forward(Batch batch) {
        int B = batch.B(), T = batch.T();
        if (T > maxPositions) {
            throw new IllegalArgumentException("sequence length " + T + " exceeds max_position_embeddings " + maxPositions);
        }
        int[] positionIds = new int[B * T];
        for (int b = 0; b < B; b++) for (int t = 0; t < T; t++) positionIds[b * T + t] = t;
        int[] tokenTypeIds = batch.tokenTypeIds() != null ? batch.tokenTypeIds() : new int[B * T];
        Tensor inputsEmbeds = wordEmbeddings.forward(batch.inputIds());                 // [B*T, H]
        Tensor tokenTypeEmbeds = tokenTypeEmbeddings.forward(tokenTypeIds);             // [B*T, H]
        Tensor embeddings = Add.forward(inputsEmbeds, tokenTypeEmbeds);                 // [B*T, H] (HF's order: word + type,
        embeddings = Add.forward(embeddings, positionEmbeddings.forward(positionIds));  // [B*T, H]  then + position)
        embeddings = layerNorm.forward(embeddings);                                     // [B*T, H]
        return dropout.forward(embeddings);                                             // [B*T, H]
    }

    /** The [V, H] token table; the masked-LM decoder reuses it (tied weights). */
    public Embedding wordEmbeddings() { return wordEmbeddings; }
}
