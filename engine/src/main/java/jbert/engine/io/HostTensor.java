package jbert.engine.io;

import java.util.Arrays;

/**
 * A float32 tensor in host memory, row-major: what model files are read into and written from,
 * independent of any backend. {@code data.length} equals the product of {@code shape}.
 */
public record HostTensor(int[] shape, float[] data) {
    public HostTensor {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(data.length + " floats do not fit shape " + Arrays.toString(shape));
        }
    }

    public int rank() { return shape.length; }

    public long size() { return data.length; }

    /**
     * The transpose of a 2-D tensor: [R, C] -> [C, R]. TensorFlow stores a dense layer's kernel as
     * [in, out] (y = x @ kernel); torch's nn.Linear stores weight as [out, in] (y = x @ weight^T).
     */
    public HostTensor transpose2d() {
        if (shape.length != 2) throw new IllegalArgumentException("transpose2d of a rank-" + shape.length + " tensor");
        int rows = shape[0], cols = shape[1];
        float[] out = new float[data.length];
        // Blocked so both the reads and the writes stay within a few cache lines per tile.
        final int tile = 64;
        for (int r0 = 0; r0 < rows; r0 += tile) {
            int r1 = Math.min(rows, r0 + tile);
            for (int c0 = 0; c0 < cols; c0 += tile) {
                int c1 = Math.min(cols, c0 + tile);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) out[c * rows + r] = data[r * cols + c];
                }
            }
        }
        return new HostTensor(new int[]{cols, rows}, out);
    }

    /** Same shape and bit-identical data. */
    public boolean sameAs(HostTensor o) {
        return Arrays.equals(shape, o.shape) && Arrays.equals(data, o.data);
    }

    @Override public boolean equals(Object o) { return o instanceof HostTensor h && sameAs(h); }

    @Override public int hashCode() { return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data); }

    @Override public String toString() { return "HostTensor" + Arrays.toString(shape); }
}
