package jbert.kernels.ops;

import jbert.engine.Storage;
import jbert.kernels.memory.CudaStorage;
import jcuda.Sizeof;

import static jbert.kernels.memory.ArgumentChecks.in;

/**
 * The launches of {@code LayerNorm.cu}: forward, the residual add fused into the forward, and
 * backward, each on the float4 register kernels where a row fits them ({@link #registerWidth}) and
 * on the generic warp-per-row kernels elsewhere.
 */
public final class LayerNorm extends OpLauncher {
    /**
     * One pass's kernels, by {@link #registerWidth}: the generic one (width 0) and the float4
     * register kernels for rows of up to 256, 768 and 1024 columns (2, 6 or 8 float4s per lane), named
     * {@code stem + "_float4_upto" + width} in LayerNorm.cu.
     */
    record Variants(String generic, String upto256, String upto768, String upto1024) {
        static Variants of(String stem) {
            return new Variants(stem, stem + "_float4_upto256", stem + "_float4_upto768", stem + "_float4_upto1024");
        }

        /** The kernel for rows of {@code width} ({@link #registerWidth}: 0, 256, 768 or 1024). */
        String forWidth(int width) {
            return switch (width) {
                case 256 -> upto256;
                case 768 -> upto768;
                case 1024 -> upto1024;
                default -> generic;
            };
        }
    }

    static final Variants FORWARD = Variants.of("layernorm_forward_warp_per_row"),
            RESIDUAL_FORWARD = Variants.of("residual_layernorm_forward_warp_per_row"),
            BACKWARD = Variants.of("layernorm_backward_warp_per_row");

    /** Dynamic shared memory the backward's per-block dgamma/dbeta partials may use (the default limit). */
    private static final int MAX_SHARED_BYTES = 48 * 1024;

    public LayerNorm(LaunchContext context) {
        super(context);
    }

    public void forward(Storage x, Storage gamma, Storage beta, Storage out,
                        Storage mean, Storage rstd, int rows, int cols, float eps) {
        long n = (long) rows * cols;
        if (rows == 0) return;
        bind();
        kernel("LayerNorm", FORWARD.forWidth(registerWidth(cols))).launch(warpRowsGrid(rows), THREADS, stream,
                in(x, n, "layernormForward", "x"), in(gamma, cols, "layernormForward", "gamma"),
                in(beta, cols, "layernormForward", "beta"), in(out, n, "layernormForward", "out"),
                in(mean, rows, "layernormForward", "mean"), in(rstd, rows, "layernormForward", "rstd"), rows, cols, eps);
    }

    /**
     * The widest row the float4 register kernels of LayerNorm.cu for this many columns hold (256, 768
     * or 1024 columns: 2, 6 or 8 float4s per lane), or 0 for the generic kernels (cols not a multiple
     * of 4, or wider than 1024).
     */
    public static int registerWidth(int cols) {
        if (cols <= 0 || cols % 4 != 0 || cols > 1024) return 0;
        return cols <= 256 ? 256 : cols <= 768 ? 768 : 1024;
    }

    /**
     * Backward with the row in registers: one launch for dx and per-block dgamma/dbeta sums in a
     * [blocks, 2 cols] scratch buffer, one launch adding the blocks' sums in order (no float atomics:
     * the same result every run). As many blocks as fit on the GPU at once (ptxas: 61, 128 and 155
     * registers per thread for the three widths at sm_90), so every warp's partial sums cover many rows.
     */
    private void backwardRegisters(int width, Storage dout, Storage x, Storage gamma, Storage mean, Storage rstd,
                                   Storage dx, Storage dgamma, Storage dbeta, int rows, int cols) {
        long n = (long) rows * cols;
        String op = "layernormBackward";
        int blocksPerSm = width == 256 ? 4 : width == 768 ? 2 : 1;
        int blocks = Math.min(warpRowsGrid(rows), grids.smCount() * blocksPerSm);
        CudaStorage partials = allocateUninitialised((long) blocks * 2 * cols);   // [blocks, 2 cols]
        try {
            kernel("LayerNorm", BACKWARD.forWidth(width)).launch(blocks, THREADS, stream,
                    in(dout, n, op, "dout"), in(x, n, op, "x"), in(gamma, cols, op, "gamma"), in(mean, rows, op, "mean"),
                    in(rstd, rows, op, "rstd"), in(dx, n, op, "dx"), partials, rows, cols);
            kernel("LayerNorm", "layernorm_backward_sum_block_partials").launch((2 * cols + 31) / 32, THREADS, stream,
                    partials, blocks, cols, in(dgamma, cols, op, "dgamma"), in(dbeta, cols, op, "dbeta"));
        } finally {
            release(partials);                              // stream order keeps it alive for the queued kernels
        }
    }

    public void backward(Storage dout, Storage x, Storage gamma, Storage mean, Storage rstd,
                         Storage dx, Storage dgamma, Storage dbeta, int rows, int cols) {
        long n = (long) rows * cols;
        if (rows == 0) return;
        bind();
        int width = registerWidth(cols);
        if (width > 0) {
            backwardRegisters(width, dout, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols);
            return;
        }
        long shared = 2L * cols * Sizeof.FLOAT;
        boolean useShared = shared <= MAX_SHARED_BYTES;
        int blocks = Math.min(warpRowsGrid(rows), grids.smCount() * 2);
        kernel("LayerNorm", BACKWARD.generic()).launch(blocks, 1, 1, THREADS, 1, useShared ? (int) shared : 0, stream,
                in(dout, n, "layernormBackward", "dout"), in(x, n, "layernormBackward", "x"),
                in(gamma, cols, "layernormBackward", "gamma"), in(mean, rows, "layernormBackward", "mean"),
                in(rstd, rows, "layernormBackward", "rstd"), in(dx, n, "layernormBackward", "dx"),
                in(dgamma, cols, "layernormBackward", "dgamma"), in(dbeta, cols, "layernormBackward", "dbeta"),
                rows, cols, useShared);
    }

    public void residualForward(Storage a, Storage b, Storage gamma, Storage beta, Storage sum,
                                Storage out, Storage mean, Storage rstd, int rows, int cols, float eps) {
        long n = (long) rows * cols;
        if (rows == 0) return;
        bind();
        String op = "residualLayernormForward";
        kernel("LayerNorm", RESIDUAL_FORWARD.forWidth(registerWidth(cols))).launch(warpRowsGrid(rows), THREADS, stream,
                in(a, n, op, "a"), in(b, n, op, "b"), in(gamma, cols, op, "gamma"), in(beta, cols, op, "beta"),
                in(sum, n, op, "sum"), in(out, n, op, "out"), in(mean, rows, op, "mean"), in(rstd, rows, op, "rstd"),
                rows, cols, eps);
    }
}
