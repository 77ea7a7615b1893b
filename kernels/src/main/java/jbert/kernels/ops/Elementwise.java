package jbert.kernels.ops;

import jbert.engine.Storage;
import jbert.kernels.memory.DeviceTables;
import jcuda.driver.CUdeviceptr;

import static jbert.kernels.memory.ArgumentChecks.in;
import static jbert.kernels.memory.ArgumentChecks.of;

/**
 * The launches of {@code Elementwise.cu}: sums, scalings, bias broadcast and its column reduction
 * (Bias.cuh), tanh, the [CLS] token's select and its scatter, and the multi-tensor scale and fill.
 */
public final class Elementwise extends OpLauncher {
    public Elementwise(LaunchContext context) {
        super(context);
    }

    public void add(Storage a, Storage b, Storage out, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "add_forward_elementwise").launch(grid(n), THREADS, stream,
                in(a, n, "add", "a"), in(b, n, "add", "b"), in(out, n, "add", "out"), n);
    }

    public void axpy(float alpha, Storage x, Storage y, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "axpy_accumulate_elementwise").launch(grid(n), THREADS, stream,
                alpha, in(x, n, "axpy", "x"), in(y, n, "axpy", "y"), n);
    }

    public void scale(float alpha, Storage x, Storage out, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "scale_forward_elementwise").launch(grid(n), THREADS, stream,
                alpha, in(x, n, "scale", "x"), in(out, n, "scale", "out"), n);
    }

    public void biasForward(Storage x, Storage bias, Storage out, int rows, int cols) {
        long n = (long) rows * cols;
        if (n == 0) return;
        bind();
        kernel("Elementwise", "bias_forward_broadcast_rows").launch(grid(n), THREADS, stream,
                in(x, n, "biasForward", "x"), in(bias, cols, "biasForward", "bias"), in(out, n, "biasForward", "out"), rows, cols);
    }

    public void biasBackward(Storage dout, Storage dbias, int rows, int cols) {
        long n = (long) rows * cols;
        if (n == 0) return;
        bind();
        int per = grids.rowsPerBlock(rows, cols);
        kernel("Elementwise", "bias_backward_column_reduce").launch((cols + 31) / 32, (rows + per - 1) / per, 1, 32, 16, 0, stream,
                in(dout, n, "biasBackward", "dout"), in(dbias, cols, "biasBackward", "dbias"), rows, cols, per);
    }

    public void tanhForward(Storage x, Storage out, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "tanh_forward_elementwise").launch(grid(n), THREADS, stream,
                in(x, n, "tanhForward", "x"), in(out, n, "tanhForward", "out"), n);
    }

    public void tanhBackward(Storage y, Storage dout, Storage dx, long n) {
        if (n == 0) return;
        bind();
        kernel("Elementwise", "tanh_backward_elementwise").launch(grid(n), THREADS, stream,
                in(y, n, "tanhBackward", "y"), in(dout, n, "tanhBackward", "dout"), in(dx, n, "tanhBackward", "dx"), n);
    }

    public void selectToken(Storage x, Storage out, int B, int T, int H, int index) {
        if (index < 0 || index >= T) throw new IllegalArgumentException("selectToken: index " + index + " outside [0, " + T + ")");
        long n = (long) B * H;
        if (n == 0) return;
        bind();
        kernel("Elementwise", "select_token_forward_gather").launch(grid(n), THREADS, stream,
                in(x, (long) B * T * H, "selectToken", "x"), in(out, n, "selectToken", "out"), B, T, H, index);
    }

    public void selectTokenBackward(Storage dout, Storage dx, int B, int T, int H, int index) {
        if (index < 0 || index >= T) throw new IllegalArgumentException("selectTokenBackward: index " + index + " outside [0, " + T + ")");
        long n = (long) B * H;
        if (n == 0) return;
        bind();
        kernel("Elementwise", "select_token_backward_scatter").launch(grid(n), THREADS, stream,
                in(dout, n, "selectTokenBackward", "dout"), in(dx, (long) B * T * H, "selectTokenBackward", "dx"), B, T, H, index);
    }

    // ---- multi-tensor forms: one launch over a whole list of tensors (MultiTensor.cuh) -----------------

    public void scale(float alpha, Storage[] xs, long[] ns) {
        DeviceTables.Table t = deviceTable("scale", new Storage[][]{xs}, new String[]{"xs"}, ns, null);
        if (t.chunks() == 0) return;
        kernel("Elementwise", "scale_inplace_multi_tensor").launch(multiTensorGrid(t), THREADS, stream,
                alpha, t.pointers()[0], t.sizes(), t.chunkTensor(), t.chunkStart(), t.chunks());
    }

    public void fill(Storage[] xs, float value) {
        long[] ns = new long[xs.length];
        for (int i = 0; i < xs.length; i++) ns[i] = of(xs[i], "fill").size();
        DeviceTables.Table t = deviceTable("fill", new Storage[][]{xs}, new String[]{"xs"}, ns, null);
        if (t.chunks() == 0) return;
        fill(t, t.pointers()[0], value);
    }

    /** value over the tensors of one role of a table (list: that role's pointer array), in one launch. */
    public void fill(DeviceTables.Table t, CUdeviceptr list, float value) {
        kernel("Elementwise", "fill_multi_tensor").launch(multiTensorGrid(t), THREADS, stream,
                value, list, t.sizes(), t.chunkTensor(), t.chunkStart(), t.chunks());
    }
}
