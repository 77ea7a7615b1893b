package jbert.engine.ops;

import jbert.engine.Backend;
import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Inverted dropout on A, then a batched product: C = dropout(A) @ B. Attention's context,
 * context = dropout(P) V, without keeping the dropped-out probabilities.
 * <pre>
 *   A' = A * m / (1 - p)     [..., M, K]   m ~ Bernoulli(1 - p), a pure function of (seed, index)
 *   C  = A' @ B              [..., M, N]   B [..., K, N]
 * </pre>
 * As two ops, Softmax keeps P (its backward needs its output) and Matmul keeps A' = dropout(P): two
 * [B, NH, T, T] buffers per layer. The mask costs nothing to regenerate (counter-based,
 * {@link jbert.engine.Rng}), so this op keeps only A and recomputes A' in backward: one dropout pass
 * over [B, NH, T, T], and 300 MB less over BERT-base's 12 layers at B=32, T=128. Values and
 * gradients are exactly those of {@link Dropout} followed by {@link Matmul}.
 *
 * <p>Backward, with dC [..., M, N] and A' recomputed:
 * <ul>
 *   <li>dB += A'^T dC                                        [K, M] @ [M, N]</li>
 *   <li>dA' = dC B^T, written over A' once dB no longer needs it    [M, N] @ [N, K]</li>
 *   <li>dA += dA' * m / (1 - p)                              (Dropout)</li>
 * </ul>
 */
public final class DropoutMatmul extends Op {
    private final float p;
    /** The seed this application drew; with the element index it regenerates the mask in backward. */
    private final long seed;
    private final int batch, M, N, K;

    private DropoutMatmul(Tensor a, Tensor b, float p, long seed, int batch, int M, int N, int K) {
        super(a, b);
        this.p = p; this.seed = seed; this.batch = batch; this.M = M; this.N = N; this.K = K;
    }

    /**
     * @param a [..., M, K], e.g. attention probabilities [B, NH, T, T]
     * @param b [..., K, N], e.g. values [B, NH, T, D]
     * @return  [..., M, N]
     */
    public static Tensor forward(Tensor a, Tensor b, float p, long seed) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("DropoutMatmul: p = " + p + " is outside [0, 1)");
        if (p == 0f) return Matmul.forward(a, b, false);
        int[] bmnk = Matmul.checkShapes("DropoutMatmul", a, b, false);
        int batch = bmnk[0], M = bmnk[1], N = bmnk[2], K = bmnk[3];
        Backend be = a.backend();
        Tensor dropped = a.emptyLike();                                    // [..., M, K], freed below
        be.dropoutForward(a.storage(), dropped.storage(), a.size(), p, seed);
        int[] shape = a.shape();
        shape[shape.length - 1] = N;
        Tensor c = Tensor.empty(be, shape);                                // [..., M, N]
        be.matmul(false, false, batch, M, N, K, 1f, dropped.storage(), b.storage(), 0f, c.storage());
        dropped.release();
        return Grad.recording(a, b) ? new DropoutMatmul(a, b, p, seed, batch, M, N, K).record(c) : c;
    }

    @Override
    public void backward(Tensor c) {
        Tensor a = inputs[0], b = inputs[1];
        Backend be = c.backend();
        Tensor dc = c.grad();                                              // [..., M, N]
        Tensor dropped = a.emptyLike();                                    // [..., M, K]: A', then dA'
        if (b.requiresGrad()) {   // dB [K, N] += A'^T [K, M] @ dC [M, N]
            be.dropoutForward(a.storage(), dropped.storage(), a.size(), p, seed);
            be.matmul(true, false, batch, K, N, M, 1f, dropped.storage(), dc.storage(), 1f, b.gradForAccumulation().storage());
        }
        if (a.requiresGrad()) {   // dA' [M, K] = dC [M, N] @ B^T [N, K], then through the mask into dA
            be.matmul(false, true, batch, M, K, N, 1f, dc.storage(), b.storage(), 0f, dropped.storage());
            be.dropoutBackward(dropped.storage(), a.gradForAccumulation().storage(), a.size(), p, seed);
        }
        dropped.release();
    }
}
