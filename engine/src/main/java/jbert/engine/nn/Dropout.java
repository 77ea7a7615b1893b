package jbert.engine.nn;

import jbert.engine.Tensor;

/**
 * Inverted dropout with probability p, active only in training mode. Each application draws a fresh
 * seed from the model's {@link SeedSequence}, so a run is reproducible from one seed and resumable
 * from the sequence's state.
 */
public final class Dropout extends Module {
    private final float p;
    private final SeedSequence seeds;

    public Dropout(double p, SeedSequence seeds) {
        this.p = (float) p;
        this.seeds = seeds;
    }

    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0f) return x;
        return jbert.engine.ops.Dropout.forward(x, p, seeds.next());
    }

    /** As {@link #forward}, over x's own storage (see {@link jbert.engine.ops.Dropout#forwardInPlace}). */
    public Tensor forwardInPlace(Tensor x) {
        if (!isTraining() || p == 0f) return x;
        return jbert.engine.ops.Dropout.forwardInPlace(x, p, seeds.next());
    }

    /**
     * dropout(a) @ b, the dropped-out copy of a recomputed in backward instead of kept
     * ({@link jbert.engine.ops.DropoutMatmul}); a [..., M, K], b [..., K, N].
     */
    public Tensor forwardThenMatmul(Tensor a, Tensor b) {
        if (!isTraining() || p == 0f) return jbert.engine.ops.Matmul.forward(a, b, false);
        return jbert.engine.ops.DropoutMatmul.forward(a, b, p, seeds.next());
    }
}
