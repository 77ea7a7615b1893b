package jbert.kernels.gemm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** How the tiled GEMM cuts K and picks its loads: host-side logic. */
class SplitKTest {
    static final int H100_SMS = 132;

    @Test void bigOutputsAreNotSplit() {
        // [B*T, H] x [H, 3H] at BERT-base shapes: 32 * 18 tiles fill the GPU already.
        assertEquals(1, SplitK.plan(4096, 2304, 768, 1, H100_SMS).splits());
        // Attention scores: 384 batched 128x128 products.
        assertEquals(1, SplitK.plan(128, 128, 64, 384, H100_SMS).splits());
        // Attention's output projection: 192 tiles in one wave of 264 slots; K = 768 is too short to cut.
        assertEquals(1, SplitK.plan(4096, 768, 768, 1, H100_SMS).splits());
    }

    @Test void outputsJustOverOneWaveAreSplitIntoFullerWaves() {
        // dW of the feed-forward layers: 6 x 24 = 144 tiles fill 144 of 264 slots in one long wave;
        // five splits give 720 blocks, three waves of 92% with a fifth of K each.
        SplitK ffn = SplitK.plan(768, 3072, 4096, 1, H100_SMS);
        assertEquals(5, ffn.splits(), ffn.toString());
        // dW of the attention output: 36 tiles; 7 splits fit one wave (252 blocks), 8 would need two.
        assertEquals(7, SplitK.plan(768, 768, 4096, 1, H100_SMS).splits());
        // Every weight gradient of BERT-base ends up in waves at least 80% full (unsplit: 14% to 55%).
        long slots = 2L * H100_SMS;
        for (int[] s : new int[][]{{768, 768}, {2304, 768}, {768, 3072}, {3072, 768}}) {
            SplitK p = SplitK.plan(s[0], s[1], 4096, 1, H100_SMS);
            long blocks = (long) SplitK.ceilDiv(s[0], 128) * SplitK.ceilDiv(s[1], 128) * p.splits();
            double fill = (double) blocks / (SplitK.ceilDiv(blocks, slots) * slots);
            assertTrue(fill >= 0.8, s[0] + "x" + s[1] + " -> " + p + ": waves " + fill + " full");
        }
    }

    @Test void weightGradientsAreSplitAndTheChunksCoverK() {
        int[][] shapes = {{768, 768, 4096}, {2304, 768, 1024}, {200, 130, 1536}, {1, 1, 100_000}, {64, 64, 777}};
        for (int[] s : shapes) {
            SplitK p = SplitK.plan(s[0], s[1], s[2], 1, H100_SMS);
            assertTrue(p.splits() > 1, "split " + java.util.Arrays.toString(s));
            assertEquals(0, p.kChunk() % 8, "chunks are whole 8-wide slices");
            assertTrue(p.kChunk() >= SplitK.MIN_CHUNK || p.splits() == 1);
            assertTrue((long) p.kChunk() * p.splits() >= s[2], "chunks cover K");
            assertTrue((long) p.kChunk() * (p.splits() - 1) < s[2], "no empty chunk");
            long blocks = (long) SplitK.ceilDiv(s[0], 128) * SplitK.ceilDiv(s[1], 128) * p.splits();
            assertTrue(blocks >= H100_SMS || p.splits() == Math.min(64, s[2] / SplitK.MIN_CHUNK),
                    "fills the GPU or splits as far as allowed: " + java.util.Arrays.toString(s) + " -> " + p);
        }
    }

    @Test void smallKIsNeverSplit() {
        assertEquals(new SplitK(1, 300), SplitK.plan(10, 10, 300, 1, H100_SMS));
        assertEquals(new SplitK(1, 1), SplitK.plan(10, 10, 0, 1, H100_SMS));
    }

    @Test void float4LoadsOnlyWhenEveryContiguousDimensionIsAMultipleOf4() {
        assertTrue(TiledGemm.vectorisable(false, false, 7, 8, 12));   // A [7,12] rows of 12, B [12,8] rows of 8
        assertFalse(TiledGemm.vectorisable(false, false, 8, 8, 13));
        assertTrue(TiledGemm.vectorisable(true, false, 8, 4, 13));    // A stored [13,8], B [13,4]
        assertFalse(TiledGemm.vectorisable(true, true, 8, 4, 13));    // B stored [4,13]
        assertTrue(TiledGemm.vectorisable(false, true, 3, 5, 16));
    }
}
