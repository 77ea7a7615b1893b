package jbert.engine.ops;

import jbert.engine.Backend;
import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Batched matrix product over the last two dimensions: C = A @ op(B), op(B) = B or B^T.
 * A is [..., M, K]; B is [..., K, N] (or [..., N, K] with transB); leading dimensions must agree and
 * are flattened into one batch. Attention uses it twice: scores = Q K^T and context = P V.
 *
 * <p>Backward, with dC [..., M, N]:
 * <ul>
 *   <li>dA = dC op(B)^T                         [M, N] @ [N, K]</li>
 *   <li>dB = A^T dC (or, with transB, dC^T A)   [K, M] @ [M, N] or [N, M] @ [M, K]</li>
 * </ul>
 */
public final class Matmul extends Op {
    private final boolean transB;
    private final int batch, M, N, K;

    private Matmul(Tensor a, Tensor b, boolean transB, int batch, int M, int N, int K) {
        super(a, b);
        this.transB = transB; this.batch = batch; this.M = M; this.N = N; this.K = K;
    }

    public static Tensor forward(Tensor a, Tensor b, boolean transB) {
        int[] bmnk = checkShapes("Matmul", a, b, transB);
        int batch = bmnk[0], M = bmnk[1], N = bmnk[2], K = bmnk[3];
        int[] shape = a.shape();
        shape[shape.length - 1] = N;
        Tensor c = Tensor.empty(a.backend(), shape);                       // [..., M, N]
        a.backend().matmul(false, transB, batch, M, N, K, 1f, a.storage(), b.storage(), 0f, c.storage());
        return Grad.recording(a, b) ? new Matmul(a, b, transB, batch, M, N, K).record(c) : c;
    }

    /**
     * Checks a [..., M, K] against b [..., K, N] (or [..., N, K] with transB), with equal leading
     * dimensions, and returns {batch, M, N, K}; errors name op and both shapes.
     */
    static int[] checkShapes(String op, Tensor a, Tensor b, boolean transB) {
        if (a.rank() < 2 || a.rank() != b.rank()) {
            throw new IllegalArgumentException(op + ": ranks differ or are below 2, " + a.describe() + " vs " + b.describe());
        }
        for (int i = 0; i < a.rank() - 2; i++) {
            Shapes.check(a.dim(i) == b.dim(i), op, "batch dimensions differ", a, b);
        }
        int M = a.dim(-2), K = a.dim(-1);
        int bK = transB ? b.dim(-1) : b.dim(-2);
        int N = transB ? b.dim(-2) : b.dim(-1);
        Shapes.check(K == bK, op, "inner dimensions differ", a, b);
        return new int[]{(int) (a.size() / ((long) M * K)), M, N, K};
    }

    @Override
    public void backward(Tensor c) {
        Tensor a = inputs[0], b = inputs[1];
        Backend be = c.backend();
        if (a.requiresGrad()) {   // dA [M, K] += dC [M, N] @ op(B)^T [N, K]
            be.matmul(false, !transB, batch, M, K, N, 1f, c.grad().storage(), b.storage(), 1f, a.gradForAccumulation().storage());
        }
        if (b.requiresGrad()) {
            if (transB) {         // B is [N, K]: dB += dC^T [N, M] @ A [M, K]
                be.matmul(true, false, batch, N, K, M, 1f, c.grad().storage(), a.storage(), 1f, b.gradForAccumulation().storage());
            } else {              // B is [K, N]: dB += A^T [K, M] @ dC [M, N]
                be.matmul(true, false, batch, K, N, M, 1f, a.storage(), c.grad().storage(), 1f, b.gradForAccumulation().storage());
            }
        }
    }
}
