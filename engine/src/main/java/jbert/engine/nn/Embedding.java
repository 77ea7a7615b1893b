package jbert.engine.nn;

import jbert.engine.Backend;
import jbert.engine.Tensor;

/** A [V, H] table of learned vectors, one per id. Parameter: weight. */
public final class Embedding extends Module {
    public final Tensor weight;
    private final int paddingIdx;

    /** @param paddingIdx the row that starts at zero and gets no gradient, or -1 */
    public Embedding(Backend be, int V, int H, Init init, int paddingIdx) {
        float[] w = init.normal(V * H);
        if (paddingIdx >= 0) java.util.Arrays.fill(w, paddingIdx * H, (paddingIdx + 1) * H, 0f);
        weight = parameter("weight", Tensor.of(be, w, V, H));              // [V, H]
        this.paddingIdx = paddingIdx;
    }

    /** n ids to [n, H]. */
    public Tensor forward(int[] ids) {
        return jbert.engine.ops.Embedding.forward(ids, weight, paddingIdx);
    }
}
