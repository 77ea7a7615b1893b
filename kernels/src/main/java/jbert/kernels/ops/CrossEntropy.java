package jbert.kernels.ops;

import jbert.engine.Storage;
import jbert.kernels.memory.CudaStorage;
import jcuda.Pointer;
import jcuda.Sizeof;

import static jbert.kernels.memory.ArgumentChecks.checkIds;
import static jbert.kernels.memory.ArgumentChecks.in;

/**
 * The launches of {@code CrossEntropy.cu}: softmax cross-entropy per row (one warp a row, the row's
 * loss in double) and its gradient.
 */
public final class CrossEntropy extends OpLauncher {
    public CrossEntropy(LaunchContext context) {
        super(context);
    }

    public double forward(Storage logits, int[] labels, Storage probs, int N, int C) {
        checkIds(labels, N, C, "crossEntropyForward", "label");
        if (N == 0) return Double.NaN;                      // the mean of nothing, as torch
        long n = (long) N * C;
        bind();
        CudaStorage losses = allocateUninitialised(2L * N); // N doubles
        CudaStorage dLabels = deviceInts(labels, N);
        try {
            kernel("CrossEntropy", "cross_entropy_forward_warp_per_row").launch(warpRowsGrid(N), THREADS, stream,
                    in(logits, n, "crossEntropyForward", "logits"), dLabels,
                    in(probs, n, "crossEntropyForward", "probs"), losses, N, C);
            double[] host = new double[N];
            downloadBytes(losses.ptr(), Pointer.to(host), (long) N * Sizeof.DOUBLE);
            double sum = 0;
            for (double l : host) sum += l;
            return sum / N;
        } finally {
            release(losses);
            release(dLabels);
        }
    }

    public void backward(Storage probs, int[] labels, Storage dlogits, float scale, int N, int C) {
        checkIds(labels, N, C, "crossEntropyBackward", "label");
        long n = (long) N * C;
        if (n == 0) return;
        bind();
        CudaStorage dLabels = deviceInts(labels, N);
        kernel("CrossEntropy", "cross_entropy_backward_elementwise").launch(grid(n), THREADS, stream,
                in(probs, n, "crossEntropyBackward", "probs"), dLabels,
                in(dlogits, n, "crossEntropyBackward", "dlogits"), scale, N, C);
        release(dLabels);
    }
}
