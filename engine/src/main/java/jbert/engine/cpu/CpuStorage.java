package jbert.engine.cpu;

import jbert.engine.Storage;

/**
 * CPU storage: the first {@link #size()} floats of a plain Java {@code float[]}. The array may be
 * longer (by at most a quarter): the pool hands out a released array that is a little larger rather
 * than allocate a new one, so kernels use the sizes they are given, never {@code array().length}.
 */
public final class CpuStorage implements Storage {
    private float[] data;
    private final int size;

    CpuStorage(float[] data, int size) {
        if (size > data.length) throw new IllegalArgumentException("a storage of " + size + " floats over an array of " + data.length);
        this.data = data;
        this.size = size;
    }

    @Override
    public long size() { return size; }

    /** The backing array; throws once the storage went back to the pool. */
    public float[] array() {
        float[] d = data;
        if (d == null) throw new IllegalStateException("CPU storage used after release");
        return d;
    }

    /** Hands the array over to the pool and makes this storage unusable. */
    float[] detach() {
        float[] d = array();
        data = null;
        return d;
    }

    /** The array behind a storage of a CPU backend, with a clear error for a foreign storage. */
    static float[] of(Storage s) {
        if (s instanceof CpuStorage c) return c.array();
        throw new IllegalArgumentException("the CPU backend got a storage of another backend: "
                + (s == null ? "null" : s.getClass().getName()));
    }
}
