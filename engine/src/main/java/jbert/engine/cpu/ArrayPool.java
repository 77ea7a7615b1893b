package jbert.engine.cpu;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reuse of released arrays, keyed by exact length. A training step makes and frees the same set of
 * activation and gradient sizes every time, so after the first step every {@link #take} finds an
 * array of its size here and the step allocates nothing (no garbage, no GC pauses, warm pages).
 *
 * <p>Bounded: arrays beyond {@code capacityFloats} in total are left to the garbage collector. If the
 * heap runs out while pooled arrays of other sizes sit idle, the pool is emptied and the allocation
 * retried once.
 */
final class ArrayPool {
    private final long capacityFloats;
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private long pooledFloats;

    ArrayPool(long capacityFloats) { this.capacityFloats = capacityFloats; }

    /** Half the maximum heap, in floats. */
    static long defaultCapacityFloats() { return Runtime.getRuntime().maxMemory() / 2 / Float.BYTES; }

    /** A zero-filled array of exactly n floats: a pooled one (cleared) when there is one. */
    float[] take(int n) {
        if (n == 0) return new float[0];
        float[] a;
        synchronized (this) {
            ArrayDeque<float[]> q = free.get(n);
            a = q == null ? null : q.pollLast();
            if (a != null) pooledFloats -= n;
        }
        if (a != null) {
            Arrays.fill(a, 0f);
            return a;
        }
        try {
            return new float[n];
        } catch (OutOfMemoryError e) {
            clear();
            return new float[n];
        }
    }

    /** Takes an array back for reuse (dropped when the pool is full). */
    synchronized void give(float[] a) {
        if (a.length == 0 || pooledFloats + a.length > capacityFloats) return;
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(a);
        pooledFloats += a.length;
    }

    synchronized void clear() {
        free.clear();
        pooledFloats = 0;
    }

    synchronized long pooledFloats() { return pooledFloats; }
}
