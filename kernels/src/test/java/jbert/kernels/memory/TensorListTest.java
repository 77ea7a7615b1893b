package jbert.kernels.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The multi-tensor chunk plan (host side; KernelEmulationTest runs the kernels over such a plan). */
class TensorListTest {
    private static final int C = TensorList.CHUNK;

    @Test void everyElementOfEveryTensorIsInExactlyOneChunk() {
        long[] sizes = {1, 0, C, C + 1, 3L * C - 5, 7};
        TensorList.Plan p = TensorList.plan(sizes);
        assertEquals(1 + 0 + 1 + 2 + 3 + 1, p.chunks());
        long[] covered = new long[sizes.length];
        for (int k = 0; k < p.chunks(); k++) {
            int t = p.chunkTensor()[k];
            long begin = p.chunkStart()[k], end = Math.min(begin + C, sizes[t]);
            assertEquals(covered[t], begin, "chunk " + k + " starts where the previous chunk of tensor " + t + " ended");
            assertEquals(0, begin % 4, "float4-aligned start");
            assertTrue(end > begin, "no empty chunk");
            covered[t] = end;
        }
        assertArrayEquals(sizes, covered);
    }

    @Test void emptyListsAndNegativeSizes() {
        assertEquals(0, TensorList.plan(new long[0]).chunks());
        assertEquals(0, TensorList.plan(new long[]{0, 0}).chunks());
        var e = assertThrows(IllegalArgumentException.class, () -> TensorList.plan(new long[]{4, -1}));
        assertTrue(e.getMessage().contains("tensor 1"), e.getMessage());
    }

    @Test void chunkMatchesTheCudaHeader() throws Exception {
        String header = java.nio.file.Files.readString(java.nio.file.Path.of("src/main/cuda/MultiTensor.cuh"));
        assertTrue(header.contains("#define MULTI_TENSOR_CHUNK " + C), "MultiTensor.cuh's MULTI_TENSOR_CHUNK is " + C);
    }
}
