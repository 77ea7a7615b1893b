package jbert.engine.cpu;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reuse of released arrays. A training step makes and frees the same set of activation and gradient
 * sizes every time, so after the first step of a shape every {@link #take} finds an array here and
 * the step allocates nothing (no garbage, no GC pauses, warm pages).
 *
 * <p>Best fit within a quarter: a request for n floats takes the shortest pooled array of length
 * n to n + n/4. With dynamic padding, consecutive batches differ by a few tokens (a [B, T, H]
 * activation of T = 50 and one of T = 56 are 12% apart), and exact lengths would seldom match:
 * steps would allocate afresh and the garbage collector would run full collections. Measured on
 * 40 steps of the default fine-tuning run at the launcher's heap: GC pauses 5.0 s with exact
 * lengths, 1.8 s within a quarter (1.3 s within a half, at more memory per array). The caller
 * keeps the length it asked for ({@link CpuStorage#size()}); the rest of the array is unused.
 *
 * <p>Bounded, oldest out: when a released array does not fit under {@code capacityFloats}, the arrays
 * released longest ago are dropped to the garbage collector until it does. The pool then holds the
 * sizes of the most recent steps, never more than its capacity (an eighth of the heap by default).
 * If the heap runs out while pooled arrays sit idle, the pool is emptied and the allocation retried.
 */
final class ArrayPool {
    private final long capacityFloats;
    /** Free arrays by length; each deque is newest last. */
    private final TreeMap<Integer, ArrayDeque<float[]>> free = new TreeMap<>();
    /** Every pooled array in the order it was given back, oldest first (for eviction). */
    private final ArrayDeque<float[]> age = new ArrayDeque<>();
    private long pooledFloats;

    ArrayPool(long capacityFloats) { this.capacityFloats = capacityFloats; }

    /** An eighth of the maximum heap, in floats. */
    static long defaultCapacityFloats() { return Runtime.getRuntime().maxMemory() / 8 / Float.BYTES; }

    /** The longest array a request for n floats accepts: n plus a quarter. */
    static int longestFit(int n) { return (int) Math.min(Integer.MAX_VALUE - 8, n + (long) n / 4); }

    /** An array of n to {@link #longestFit}(n) floats, its first n zero: a pooled one when there is one. */
    float[] take(int n) {
        float[] a = takePooled(n);
        if (a == null) return fresh(n);
        Arrays.fill(a, 0, n, 0f);
        return a;
    }

    /** As {@link #take}, without clearing a pooled array (a new one is zero, as Java makes it). */
    float[] takeUninitialised(int n) {
        float[] a = takePooled(n);
        return a == null ? fresh(n) : a;
    }

    private synchronized float[] takePooled(int n) {
        if (n == 0) return null;
        Map.Entry<Integer, ArrayDeque<float[]>> e = free.ceilingEntry(n);
        if (e == null || e.getKey() > longestFit(n)) return null;
        float[] a = e.getValue().pollLast();
        if (e.getValue().isEmpty()) free.remove(e.getKey());
        pooledFloats -= a.length;
        age.removeLastOccurrence(a);
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
