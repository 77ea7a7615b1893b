package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * SGEMM at BERT-base's Linear shapes for 256 tokens, C[M, N] = op(A) @ op(B), named
 * {@code pass_MxNxK} as in bench/peers/matmul.py (the PyTorch side of the comparison):
 * <ul>
 *   <li>fwd: Y[256, out] = X[256, in] @ W[out, in]^T (transB);</li>
 *   <li>dX: dX[256, in] = dY[256, out] @ W[out, in];</li>
 *   <li>dW: dW[out, in] += dY[256, out]^T @ X[256, in] (transA, beta = 1 as backward accumulates).</li>
 * </ul>
 * The {@code reference} kernel (scalar triple loop) is the baseline row.
 */
@State(Scope.Benchmark)
public class GemmBenchmark extends BenchDefaults {

    @Param({"fwd_256x768x768", "fwd_256x3072x768", "fwd_256x768x3072",
            "dX_256x768x768", "dX_256x768x3072", "dX_256x3072x768",
            "dW_768x768x256", "dW_3072x768x256", "dW_768x3072x256"})
    public String shape;

    @Param({"fast", "reference"})
    public String kernel;

    private Backend be;
    private boolean transA, transB;
    private int M, N, K;
    private float beta;
    private Storage a, b, c;

    @Setup
    public void setup() {
        be = backend(kernel);
        String[] parts = shape.split("_");
        String[] dims = parts[1].split("x");
        M = Integer.parseInt(dims[0]);
        N = Integer.parseInt(dims[1]);
        K = Integer.parseInt(dims[2]);
        switch (parts[0]) {
            case "fwd" -> { transA = false; transB = true; beta = 0f; }
            case "dX" -> { transA = false; transB = false; beta = 0f; }
            case "dW" -> { transA = true; transB = false; beta = 1f; }
            default -> throw new IllegalArgumentException("shape " + shape + ": pass must be fwd, dX or dW");
        }
        a = be.upload(random(M * K, 1));
        b = be.upload(random(K * N, 2));
        c = be.allocate((long) M * N);
    }

    @Benchmark
    public void matmul(Flops flops) {
        be.matmul(transA, transB, 1, M, N, K, 1f, a, b, beta, c);
        flops.gflop += 2e-9 * M * N * K;
    }
}
