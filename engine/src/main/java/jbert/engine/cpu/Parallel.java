package jbert.engine.cpu;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * A fixed pool of threads for the fast CPU kernels. Each {@link VectorizedCpuBackend} owns one, made
 * with it for its thread count ({@link CpuBackend#fast}) and held in a final field; the kernels take it
 * as their first argument. Its worker threads are daemons, started on first use and idle between calls,
 * and live as long as the backend (backends are made once per thread count, so pools never pile up).
 *
 * <p>Work is cut into chunks whose boundaries depend only on the sizes and the thread count:
 * {@link #forRange} cuts [0, n) into at most {@value #CHUNKS_PER_THREAD} equal contiguous chunks per
 * thread. Threads take chunks as they come free, so a thread that the OS pauses (this machine is shared)
 * holds up one small chunk rather than half the work; and since every kernel that sums across chunks
 * keeps one partial per chunk and adds them in chunk order, which thread ran which chunk never shows
 * in the result. A training run repeats bit for bit for a given thread count.
 *
 * <p>A kernel called from inside a parallel region (e.g. a GEMM per batch item) runs serially on the
 * calling thread rather than queueing behind itself; this holds across pools too, so one backend's
 * kernel inside another's region never waits on a second pool.
 */
final class Parallel {

    /** Chunks per thread at most: enough to even out a paused thread, few enough to keep chunks long. */
    static final int CHUNKS_PER_THREAD = 4;

    /** Whether this thread is running a chunk of a parallel region (of any pool). */
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

    private final int threads;
    /** threads - 1 workers (the calling thread is the last one); null with one thread. */
    private final ExecutorService pool;

    /** A pool of {@code threads} threads, the caller's included; a count below 1 is an error. */
    Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("CPU threads " + threads + ": expected a positive count");
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(() -> { INSIDE.set(true); r.run(); }, "jbert-cpu-" + threads);
            t.setDaemon(true);
            return t;
        });
    }

    /** Threads this pool runs kernels on, the calling thread included. */
    int threads() { return threads; }

    /** A chunk [lo, hi) of a range. */
    @FunctionalInterface
    interface RangeBody { void run(int lo, int hi); }

    /**
     * Runs body over [0, n) cut into {@link #parts}(n, grain) equal contiguous chunks, in parallel.
     * {@code grain} is the least work per chunk worth a thread hand-off.
     */
    void forRange(int n, int grain, RangeBody body) {
        int parts = parts(n, grain);
        if (parts <= 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        run(parts, p -> body.run(chunkStart(n, parts, p), chunkStart(n, parts, p + 1)));
    }

    /**
     * How many chunks to cut n items into at this grain: min(ceil(n / grain), threads * CHUNKS_PER_THREAD),
     * or 1 inside a parallel region or with one thread.
     */
    int parts(int n, int grain) {
        if (pool == null || INSIDE.get()) return 1;
        long byGrain = (n + (long) Math.max(grain, 1) - 1) / Math.max(grain, 1);
        return (int) Math.max(1, Math.min((long) threads * CHUNKS_PER_THREAD, byGrain));
    }

    /** Start of chunk p when [0, n) is cut into {@code parts} equal chunks. */
    static int chunkStart(int n, int parts, int p) { return (int) ((long) n * p / parts); }

    /**
     * Runs part(0 .. parts-1) on up to {@link #threads()} threads (the calling thread among them), each
     * thread taking the next part as it finishes one, and waits for all.
     */
    void run(int parts, IntConsumer part) {
        if (parts <= 1 || pool == null || INSIDE.get()) {
            for (int p = 0; p < parts; p++) part.accept(p);
            return;
        }
        int workers = Math.min(threads, parts);
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int p; (p = next.getAndIncrement()) < parts; ) {
                try { part.accept(p); } catch (Throwable t) { failure.compareAndSet(null, t); }
            }
        };
        CountDownLatch done = new CountDownLatch(workers - 1);
        for (int w = 1; w < workers; w++) {
            pool.execute(() -> { try { worker.run(); } finally { done.countDown(); } });
        }
        INSIDE.set(true);
        try {
            worker.run();
        } finally {
            INSIDE.set(false);
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for CPU kernel threads", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error er) throw er;
        if (t != null) throw new IllegalStateException(t);
    }
}
