package jbert.kernels.ops;

import jbert.engine.Storage;

import static jbert.kernels.memory.ArgumentChecks.in;

/**
 * The launches of {@code Gelu.cu}: GELU (erf form) forward and backward, and the fused bias + GELU
 * with its column-reduced bias gradient (Bias.cuh).
 */
public final class Gelu extends OpLauncher {
    public Gelu(LaunchContext context) {
        super(context);
    }

    public void forward(Storage x, Storage out, long n) {
        if (n == 0) return;
        bind();
        kernel("Gelu", "gelu_forward_elementwise").launch(grid(n), THREADS, stream,
                in(x, n, "geluForward", "x"), in(out, n, "geluForward", "out"), n);
    }

    public void backward(Storage x, Storage dout, Storage dx, long n) {
        if (n == 0) return;
        bind();
        kernel("Gelu", "gelu_backward_elementwise").launch(grid(n), THREADS, stream,
                in(x, n, "geluBackward", "x"), in(dout, n, "geluBackward", "dout"), in(dx, n, "geluBackward", "dx"), n);
    }

    public void biasForward(Storage x, Storage bias, Storage pre, Storage out, int rows, int cols) {
        long n = (long) rows * cols;
        if (n == 0) return;
        bind();
        kernel("Gelu", "bias_gelu_forward_fused").launch(grid(n), THREADS, stream,
                in(x, n, "biasGeluForward", "x"), in(bias, cols, "biasGeluForward", "bias"),
                in(pre, n, "biasGeluForward", "pre"), in(out, n, "biasGeluForward", "out"), rows, cols);
    }

    public void biasBackward(Storage pre, Storage dout, Storage dx, Storage dbias, int rows, int cols) {
        long n = (long) rows * cols;
        if (n == 0) return;
        bind();
        int per = grids.rowsPerBlock(rows, cols);
        kernel("Gelu", "bias_gelu_backward_fused_column_reduce").launch((cols + 31) / 32, (rows + per - 1) / per, 1, 32, 16, 0, stream,
                in(pre, n, "biasGeluBackward", "pre"), in(dout, n, "biasGeluBackward", "dout"),
                in(dx, n, "biasGeluBackward", "dx"), in(dbias, cols, "biasGeluBackward", "dbias"), rows, cols, per);
    }
}
