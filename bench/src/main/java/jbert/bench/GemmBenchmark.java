package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.BackendOptions;
import jbert.engine.Storage;
import jbert.engine.cpu.CpuBackend;
import jbert.engine.cpu.GemmPlan;
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
 * and attention's batched per-head products, {@code pass_batchxMxNxK}, for B = 8 (NH = 12: 96 heads),
 * D = 64 and T = 32, 64, 128:
 * <ul>
 *   <li>scores: S[b, T, T] = Q[b, T, D] @ K[b, T, D]^T (transB);</li>
 *   <li>context: O[b, T, D] = P[b, T, T] @ V[b, T, D].</li>
 * </ul>
 * The {@code reference} kernel (scalar triple loop) is the baseline row. {@code plan} forces a GEMM plan
 * on the fast kernel ({@code GemmPlan.parse}'s text, e.g. {@code -p plan=v256-8x3-k256-m512-n8192});
 * {@code machine}, the default, is the plan the CPU backend chooses for this machine.
 */
@State(Scope.Benchmark)
public class GemmBenchmark extends BenchDefaults {

    @Param({"fwd_256x768x768", "fwd_256x3072x768", "fwd_256x768x3072",
            "dX_256x768x768", "dX_256x768x3072", "dX_256x3072x768",
            "dW_768x768x256", "dW_3072x768x256", "dW_768x3072x256",
            "scores_96x32x32x64", "context_96x32x64x32", "scores_96x64x64x64", "context_96x64x64x64",
            "scores_96x128x128x64", "context_96x128x64x128"})
    public String shape;

    @Param({"machine"})
    public String plan;

    @Param({"fast", "reference"})
    public String kernel;

    private Backend be;
    private boolean transA, transB;
    private int batch, M, N, K;
    private float beta;
    private Storage a, b, c;

    @Setup
    public void setup() {
        be = plan.equals("machine") || !kernel.equals("fast") ? backend(kernel) : CpuBackend.fast(
                BackendOptions.fromEnvironment(System.getProperties(), System.getenv()).cpuThreads(), GemmPlan.parse(plan));
        String[] parts = shape.split("_");
        String[] dims = parts[1].split("x");
        int d = dims.length - 3;                      // 1 with a batch count in front, else 0
        batch = d == 1 ? Integer.parseInt(dims[0]) : 1;
        M = Integer.parseInt(dims[d]);
        N = Integer.parseInt(dims[d + 1]);
        K = Integer.parseInt(dims[d + 2]);
        switch (parts[0]) {
            case "fwd", "scores" -> { transA = false; transB = true; beta = 0f; }
            case "dX", "context" -> { transA = false; transB = false; beta = 0f; }
            case "dW" -> { transA = true; transB = false; beta = 1f; }
            default -> throw new IllegalArgumentException("shape " + shape + ": pass must be fwd, dX, dW, scores or context");
        }
        a = be.upload(random(batch * M * K, 1));      // op(A) [batch, M, K]
        b = be.upload(random(batch * K * N, 2));      // op(B) [batch, K, N]
        c = be.allocate((long) batch * M * N);        // C [batch, M, N]
    }

    @Benchmark
    public void matmul(Flops flops) {
        be.matmul(transA, transB, batch, M, N, K, 1f, a, b, beta, c);
        flops.gflop += 2e-9 * batch * M * N * K;
    }
}
