package jbert.engine.cpu;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reuse of released arrays, keyed by exact length. A training step makes and frees the same set of
 * activation and gradient sizes every time, so after the first step of a shape every {@link #take}
 * finds an array of its size here and the step allocates nothing (no garbage, no GC pauses, warm
 * pages).
 *
 * <p>Bounded, oldest out: with dynamic padding every batch length brings new sizes, so when a released
 * array does not fit under {@code capacityFloats}, the arrays released longest ago are dropped to the
 * garbage collector until it does. The pool then holds the sizes of the most recent steps, never
 * more than its capacity (an eighth of the heap by default). If the heap runs out while pooled arrays
 * sit idle, the pool is emptied and the allocation retried once.
 */
final class ArrayPool {
    private final long capacityFloats;
    /** Free arrays by length; each deque is newest last. */
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    /** Every pooled array in the order it was given back, oldest first (for eviction). */
    private final ArrayDeque<float[]> age = new ArrayDeque<>();
    private long pooledFloats;

    ArrayPool(long capacityFloats) { this.capacityFloats = capacityFloats; }

    /** An eighth of the maximum heap, in floats. */
    static long defaultCapacityFloats() { return Runtime.getRuntime().maxMemory() / 8 / Float.BYTES; }

    /** A zero-filled array of exactly n floats: a pooled one (cleared) when there is one. */
    float[] take(int n) {
        float[] a = takePooled(n);
        if (a == null) return fresh(n);
        Arrays.fill(a, 0f);
        return a;
    }

    /** An array of exactly n floats with whatever a pooled one held (a new one is zero, as Java makes it). */
    float[] takeUninitialised(int n) {
        float[] a = takePooled(n);
        return a == null ? fresh(n) : a;
    }

    private synchronized float[] takePooled(int n) {
        if (n == 0) return null;
        ArrayDeque<float[]> q = free.get(n);
        float[] a = q == null ? null : q.pollLast();
        if (a != null) {
            pooledFloats -= n;
            age.removeLastOccurrence(a);
        }
        return a;
    }

    private float[] fresh(int n) {
        if (n == 0) return new float[0];
        try {
            return new float[n];
        } catch (OutOfMemoryError e) {
            clear();
            return new float[n];
        }
    }

    /** Takes an array back for reuse, dropping the oldest pooled arrays if it would not fit. */
    synchronized void give(float[] a) {
        if (a.length == 0 || a.length > capacityFloats) return;
        while (pooledFloats + a.length > capacityFloats) {
            float[] oldest = age.pollFirst();
            ArrayDeque<float[]> q = free.get(oldest.length);
            q.removeFirstOccurrence(oldest);
            if (q.isEmpty()) free.remove(oldest.length);
            pooledFloats -= oldest.length;
        }
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(a);
        age.addLast(a);
        pooledFloats += a.length;
    }

    synchronized void clear() {
        free.clear();
        age.clear();
        pooledFloats = 0;
    }

    synchronized long pooledFloats() { return pooledFloats; }
}
