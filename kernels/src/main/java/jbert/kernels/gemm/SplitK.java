package jbert.kernels.gemm;

/**
 * How {@link TiledGemm} cuts K so that the blocks fill the GPU in whole waves. A weight gradient of
 * BERT-base, dW [768, 768] = dY^T [768, B*T] @ X [B*T, 768], has only 36 128x128 tiles for 132 SMs
 * but K = 4096: cutting K into chunks that each add their partial product into C (atomically) gives
 * every SM work. The same holds, less obviously, for outputs just over one wave: the FFN's dW has 144
 * tiles, so with two blocks resident per SM (264 at once) one wave runs at 55% of the GPU, while
 * five splits make 720 blocks in three nearly full waves of chunks a fifth as long.
 *
 * <p>The plan minimises a simple model of the run time: waves x (K per block + a block's fixed cost),
 * waves = ceil(blocks / (SMs x blocks per SM)); a split block's fixed cost is higher (its epilogue is
 * 64 atomic adds per thread, and C must be pre-scaled by beta).
 *
 * @param splits number of K chunks (1 = no split)
 * @param kChunk elements of K per chunk, a multiple of the 8-wide K slice
 */
record SplitK(int splits, int kChunk) {
    static final int TILE = 128, SLICE = 8;
    /** Below this many K elements per chunk the atomic adds cost more than the parallelism gains. */
    static final int MIN_CHUNK = 256;
    /** Blocks of either tiled GEMM kernel resident on one SM (ptxas, sm_90: 128 registers x 256 threads). */
    static final int BLOCKS_PER_SM = 2;
    /** A block's fixed cost in K elements: the first slice's loads and the stores; split blocks add atomically. */
    static final int BLOCK_COST_K = 32, SPLIT_BLOCK_COST_K = 128;

    static SplitK plan(int M, int N, int K, int batch, int smCount) {
        long tiles = (long) ceilDiv(M, TILE) * ceilDiv(N, TILE) * batch;
        long slots = (long) Math.max(1, smCount) * BLOCKS_PER_SM;
        SplitK best = new SplitK(1, Math.max(K, 1));
        double bestCost = (double) ceilDiv(tiles, slots) * (K + BLOCK_COST_K);
        int maxSplits = Math.min(64, K / MIN_CHUNK);
        for (int s = 2; s <= maxSplits; s++) {
            int chunk = ceilDiv(ceilDiv(K, s), SLICE) * SLICE;
            int splits = ceilDiv(K, chunk);
            if (splits != s) continue;                               // the same cut as a smaller s
            double cost = (double) ceilDiv(tiles * splits, slots) * (chunk + SPLIT_BLOCK_COST_K);
            if (cost < bestCost) {
                bestCost = cost;
                best = new SplitK(splits, chunk);
            }
        }
        return best;
    }

    static int ceilDiv(int a, int b) { return (a + b - 1) / b; }
    static long ceilDiv(long a, long b) { return (a + b - 1) / b; }
}
