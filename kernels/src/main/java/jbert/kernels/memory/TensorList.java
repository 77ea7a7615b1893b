package jbert.kernels.memory;

import java.util.Arrays;

/**
 * The chunk plan of a multi-tensor kernel (MultiTensor.cuh): every tensor of a list is cut into
 * chunks of {@link #CHUNK} elements, and the blocks of one launch walk the chunks. Chunk k covers
 * elements [chunkStart[k], min(chunkStart[k] + CHUNK, sizes[t])) of tensor t = chunkTensor[k];
 * a tensor of size 0 has no chunk. The backend uploads the plan with the tensors' device pointers
 * once per list and keeps it ({@link DeviceTables}): an optimizer passes the same
 * storages every step.
 */
final class TensorList {
    private TensorList() {}

    /** MULTI_TENSOR_CHUNK in MultiTensor.cuh: 256 threads x 32 float4s. A multiple of 4, so chunks start float4-aligned. */
    static final int CHUNK = 32768;

    record Plan(int[] chunkTensor, long[] chunkStart) {
        int chunks() { return chunkTensor.length; }

        @Override public boolean equals(Object o) {
            return o instanceof Plan p && Arrays.equals(chunkTensor, p.chunkTensor) && Arrays.equals(chunkStart, p.chunkStart);
        }
        @Override public int hashCode() { return 31 * Arrays.hashCode(chunkTensor) + Arrays.hashCode(chunkStart); }
        @Override public String toString() { return "Plan" + Arrays.toString(chunkTensor) + Arrays.toString(chunkStart); }
    }

    static Plan plan(long[] sizes) {
        long total = 0;
        for (int t = 0; t < sizes.length; t++) {
            if (sizes[t] < 0) throw new IllegalArgumentException("tensor " + t + " of the list has negative size " + sizes[t]);
            total += (sizes[t] + CHUNK - 1) / CHUNK;
        }
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException(total + " chunks exceed one launch");
        int[] chunkTensor = new int[(int) total];
        long[] chunkStart = new long[(int) total];
        int k = 0;
        for (int t = 0; t < sizes.length; t++) {
            for (long s = 0; s < sizes[t]; s += CHUNK) {
                chunkTensor[k] = t;
                chunkStart[k++] = s;
            }
        }
        return new Plan(chunkTensor, chunkStart);
    }
}
