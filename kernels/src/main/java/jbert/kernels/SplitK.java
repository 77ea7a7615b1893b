package jbert.kernels;

/**
 * How {@link TiledGemm} cuts K when the output has too few 128x128 tiles to fill the GPU. A weight
 * gradient of BERT-base, dW [768, 768] = dY^T [768, B*T] @ X [B*T, 768], has only 36 tiles for 132
 * SMs but K = 4096: cutting K into chunks that each add their partial product into C (atomically)
 * gives every SM work.
 *
 * @param splits number of K chunks (1 = no split)
 * @param kChunk elements of K per chunk, a multiple of the 8-wide K slice
 */
record SplitK(int splits, int kChunk) {
    static final int TILE = 128, SLICE = 8;
    /** Below this many K elements per chunk the atomic adds cost more than the parallelism gains. */
    static final int MIN_CHUNK = 256;

    static SplitK plan(int M, int N, int K, int batch, int smCount) {
        long tiles = (long) ceilDiv(M, TILE) * ceilDiv(N, TILE) * batch;
        int whole = Math.max(K, 1);
        if (tiles >= smCount || K < 2 * MIN_CHUNK) return new SplitK(1, whole);
        long wanted = ceilDiv(2L * smCount, tiles);                 // about two blocks per SM
        int splits = (int) Math.max(1, Math.min(wanted, Math.min(K / MIN_CHUNK, 64)));
        if (splits == 1) return new SplitK(1, whole);
        int chunk = ceilDiv(ceilDiv(K, splits), SLICE) * SLICE;
        return new SplitK(ceilDiv(K, chunk), chunk);
    }

    static int ceilDiv(int a, int b) { return (a + b - 1) / b; }
    static long ceilDiv(long a, long b) { return (a + b - 1) / b; }
}
