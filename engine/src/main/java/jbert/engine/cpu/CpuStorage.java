package jbert.engine.cpu;

import jbert.engine.Storage;

/**
 * CPU storage: a plain Java {@code float[]}. The pool keys arrays by exact length, so
 * {@code array().length == size()}.
 */
public final class CpuStorage implements Storage {
    private float[] data;

    CpuStorage(float[] data) { this.data = data; }

    @Override
    public long size() { return array().length; }

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
