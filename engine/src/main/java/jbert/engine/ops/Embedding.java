package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Table lookup: y[i, :] = table[ids[i], :]. Backward is a scatter-add, dtable[ids[i], :] += dy[i, :]:
 * a token that occurs several times in the batch collects every occurrence's gradient.
 *
 * <p>Like {@code torch.nn.Embedding(padding_idx=...)}, the padding row never receives a gradient
 * (HF builds word_embeddings with padding_idx = pad_token_id), so it keeps its value through training.
 */
public final class Embedding extends Op {
    /** The looked-up ids, padding replaced by -1 (skipped by the scatter-add), kept for backward. */
    private final int[] idsForBackward;

    private Embedding(Tensor table, int[] idsForBackward) { super(table); this.idsForBackward = idsForBackward; }

    /**
     * @param ids        n ids, each in [0, V)
     * @param table      [V, H]
     * @param paddingIdx the row that gets no gradient, or -1 for none
     * @return [n, H]
     */
    public static Tensor forward(int[] ids, Tensor table, int paddingIdx) {
        Shapes.rank("Embedding", table, 2);
        int V = table.dim(0), H = table.dim(1);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= V) {
                throw new IllegalArgumentException("Embedding: id " + ids[i] + " at position " + i + " is outside [0, "
                        + V + ") of table " + table.describe());
            }
        }
        Tensor y = Tensor.empty(table.backend(), ids.length, H);           // [n, H]
        table.backend().embeddingForward(ids, table.storage(), y.storage(), ids.length, H);
        if (!Grad.recording(table)) return y;
        int[] back = ids.clone();
        if (paddingIdx >= 0) for (int i = 0; i < back.length; i++) if (back[i] == paddingIdx) back[i] = -1;
        return new Embedding(table, back).record(y);
    }

    @Override
    public void backward(Tensor y) {
        Tensor table = inputs[0];
        y.backend().embeddingBackward(idsForBackward, y.grad().storage(), table.gradForAccumulation().storage(),
                idsForBackward.length, table.dim(1));
    }
}
