package jbert.kernels.driver;

/**
 * The launch shapes the backend's kernels share, sized by the device's SM count: a grid-stride loop
 * over elements, one warp per row, a multi-tensor walk over chunks, and the rows per block of the
 * column reductions in {@code Bias.cuh}. Every kernel of {@code src/main/cuda} is written for blocks
 * of {@link #THREADS} threads.
 */
public final class Grids {
    /** Threads per block of every kernel launched with one of these grids. */
    public static final int THREADS = 256;

    private final int smCount;

    public Grids(int smCount) { this.smCount = smCount; }

    public int smCount() { return smCount; }

    /** Blocks for a grid-stride loop over n elements: enough to fill every SM, no more. */
    public int stride(long n) {
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, (long) smCount * 32));
    }

    /** Blocks for one warp per row, THREADS / 32 rows per block. */
    public static int warpRows(long rows) {
        long g = (rows * 32 + THREADS - 1) / THREADS;
        if (g > Integer.MAX_VALUE) throw new IllegalArgumentException(rows + " rows exceed one launch");
        return (int) g;
    }

    /** Blocks of a multi-tensor launch: a few per SM, each walking several chunks. */
    public int multiTensor(int chunks) {
        return Math.min(chunks, smCount * 4);
    }

    /** Rows per block of the column reductions: enough blocks for the GPU, enough rows to amortise the atomics. */
    public int rowsPerBlock(int rows, int cols) {
        int columnBlocks = (cols + 31) / 32;
        int wantedRowBlocks = Math.max(1, (2 * smCount + columnBlocks - 1) / columnBlocks);
        int per = Math.max(64, (rows + wantedRowBlocks - 1) / wantedRowBlocks);
        return Math.min(per, Math.max(rows, 1));
    }
}
