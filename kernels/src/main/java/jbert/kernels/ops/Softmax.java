package jbert.kernels.ops;

import jbert.engine.Storage;

import static jbert.kernels.memory.ArgumentChecks.in;

/**
 * The launches of {@code Softmax.cu}: attention's masked, scaled softmax forward and its backward, on
 * the float4 lane-group kernels where a row fits them ({@link #laneGroup}) and one warp per row elsewhere.
 */
public final class Softmax extends OpLauncher {
    /**
     * The longest rows that take Softmax.cu's float4 lane-group kernels; longer ones take one warp per
     * row. Forward, measured on an H200 (bench/RESULTS.md, GPU, session 5): the warp-per-row kernel
     * ran at 35% of a copy at T = 64 (issue bound) and 63% at T = 128, the lane-group one at 91% and
     * 95%. Backward: one warp per row already streams at 100% at T = 128, the lane-group one at 110%
     * at T = 64; T = 128 stays on the former until measured.
     */
    private static final int FORWARD_LANE_GROUP_MAX_T = 128, BACKWARD_LANE_GROUP_MAX_T = 64;

    public Softmax(LaunchContext context) {
        super(context);
    }

    public void forward(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T) {
        long rows = (long) B * NH * T, n = rows * T;
        if (n == 0) return;
        if (T <= FORWARD_LANE_GROUP_MAX_T && laneGroup(B, NH, T) > 0) {
            forwardLaneGroups(scores, mask, scale, probs, B, NH, T);
            return;
        }
        bind();
        kernel("Softmax", "softmax_forward_masked_scaled_warp_per_row").launch(warpRowsGrid(rows), THREADS, stream,
                in(scores, n, "softmaxForward", "scores"), in(mask, (long) B * T, "softmaxForward", "mask"), scale,
                in(probs, n, "softmaxForward", "probs"), B, NH, T);
    }

    /**
     * Lanes per row of Softmax.cu's float4 lane-group kernels for [B, NH, T, T] scores: the smallest
     * power of two >= T / 4, or 0 where the kernels do not apply (T not a multiple of 4 or longer than
     * 128, more elements than their 32-bit indices reach, or more batches than the forward's grid
     * has y-blocks).
     */
    public static int laneGroup(int B, int NH, int T) {
        if (T <= 0 || T % 4 != 0 || T > 128 || (long) B * NH * T * T > Integer.MAX_VALUE || B > 65535) return 0;
        return Math.max(1, Integer.highestOneBit(T / 4 - 1) << 1);
    }

    /**
     * The lane-group forward at any T it takes (laneGroup > 0), whichever {@link #forward} would
     * choose: the device check ({@code jbert.bench.DeviceCheck}) times it at T = 128 against the warp-per-row kernel. Grid: blocks of
     * THREADS / G rows along x, one batch per y (the mask row without a division).
     */
    public void forwardLaneGroups(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T) {
        int G = laneGroup(B, NH, T);
        if (G == 0) throw new IllegalArgumentException("softmaxForward: no lane-group kernel for [" + B + ", " + NH + ", " + T + ", " + T + "]");
        long n = (long) B * NH * T * T;
        if (n == 0) return;
        int rowsPerBlock = THREADS / G;
        bind();
        kernel("Softmax", "softmax_forward_masked_scaled_float4_lane_group_upto" + 4 * G).launch(
                (NH * T + rowsPerBlock - 1) / rowsPerBlock, B, 1, THREADS, 1, 0, stream,
                in(scores, n, "softmaxForward", "scores"), in(mask, (long) B * T, "softmaxForward", "mask"), scale,
                in(probs, n, "softmaxForward", "probs"), NH, T);
    }

    public void backward(Storage probs, Storage dprobs, Storage dscores, float scale, int B, int NH, int T) {
        long rows = (long) B * NH * T, n = rows * T;
        if (n == 0) return;
        bind();
        int G = T <= BACKWARD_LANE_GROUP_MAX_T ? laneGroup(B, NH, T) : 0;
        if (G > 0) {
            kernel("Softmax", "softmax_backward_scaled_float4_lane_group_upto" + 4 * G).launch((int) ((rows * G + THREADS - 1) / THREADS), THREADS, stream,
                    in(probs, n, "softmaxBackward", "probs"), in(dprobs, n, "softmaxBackward", "dprobs"),
                    in(dscores, n, "softmaxBackward", "dscores"), scale, (int) rows, T);
            return;
        }
        kernel("Softmax", "softmax_backward_scaled_warp_per_row").launch(warpRowsGrid(rows), THREADS, stream,
                in(probs, n, "softmaxBackward", "probs"), in(dprobs, n, "softmaxBackward", "dprobs"),
                in(dscores, n, "softmaxBackward", "dscores"), scale, B, NH, T);
    }
}
