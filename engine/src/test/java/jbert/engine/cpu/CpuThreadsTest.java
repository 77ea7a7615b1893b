package jbert.engine.cpu;

import jbert.engine.BackendOptions;
import jbert.engine.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU thread count as a setting: {@link CpuBackend#fast}(n) runs on a pool of n threads of its own,
 * {@link Backends#select} reaches it from {@link BackendOptions}, and {@link Parallel} keeps its
 * promises (n threads at once, never more, serial inside a region, chunks fixed by sizes and count).
 * That each thread count agrees with the reference kernels and repeats bit for bit is
 * {@link FastKernelsTest} and {@link PackedGemmTest}, run on every count of
 * {@link FastKernelsTest#FAST_BACKENDS}.
 */
class CpuThreadsTest {

    @Test
    void eachBackendReportsItsThreadCount() {
        for (int n = 1; n <= 3; n++) assertEquals(n, CpuBackend.fast(n).threads());
        assertEquals(Runtime.getRuntime().availableProcessors(), CpuBackend.INSTANCE.threads());
        assertEquals(1, CpuBackend.reference().threads(), "the reference kernels run on the calling thread");
    }

    @Test
    void aThreadCountGetsOneBackendMadeOnce() {
        assertSame(CpuBackend.fast(3), CpuBackend.fast(3), "asking again must not start another pool");
        assertSame(CpuBackend.INSTANCE, CpuBackend.fast(Runtime.getRuntime().availableProcessors()));
        assertTrue(CpuBackend.fast(1) != CpuBackend.fast(2));
    }

    @Test
    void selectRunsTheCpuOnTheThreadsTheOptionsAskFor() {
        assertSame(CpuBackend.fast(3), Backends.select(BackendOptions.cpu().withThreads(3), null));
        assertSame(CpuBackend.INSTANCE, Backends.select(BackendOptions.cpu(), null), "0 threads: every core");
        // The program's edge: -Djbert.threads, else JBERT_THREADS, read once into the options.
        Properties property = new Properties();
        property.setProperty("jbert.threads", "2");
        BackendOptions fromProperty = BackendOptions.fromEnvironment(property, Map.of("JBERT_THREADS", "3"));
        assertSame(CpuBackend.fast(2), Backends.select(fromProperty.withDevice("cpu"), null));
        BackendOptions fromVariable = BackendOptions.fromEnvironment(new Properties(), Map.of("JBERT_THREADS", "3"));
        assertSame(CpuBackend.fast(3), Backends.select(fromVariable.withDevice("cpu"), null));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, -8})
    void aBadThreadCountIsAOneLineError(int threads) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuBackend.fast(threads));
        assertEquals("CPU threads " + threads + ": expected a positive count", e.getMessage());
    }

    /** n parts that each wait for all n to arrive finish only if n threads run them at once. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aPoolOfNThreadsRunsNPartsAtOnce(int n) {
        Parallel parallel = new Parallel(n);
        CyclicBarrier allHere = new CyclicBarrier(n);
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        parallel.run(n, p -> {
            seen.add(Thread.currentThread());
            try {
                allHere.await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("part " + p + " of " + n + " waited for threads that are not there", e);
            }
        });
        assertEquals(n, seen.size());
        assertTrue(seen.contains(Thread.currentThread()), "the calling thread is one of the n");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aPoolNeverUsesMoreThreadsThanItHas(int n) {
        Parallel parallel = new Parallel(n);
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        for (int call = 0; call < 20; call++) {
            parallel.run(64, p -> {
                seen.add(Thread.currentThread());
            });
        }
        assertTrue(seen.size() <= n, seen.size() + " threads ran the parts of a pool of " + n);
        if (n == 1) assertEquals(Set.of(Thread.currentThread()), seen, "one thread: the calling thread only");
    }

    @Test
    void aKernelInsideAParallelRegionRunsSerially() {
        Parallel outer = new Parallel(3), other = new Parallel(2);
        Set<Integer> partsInside = ConcurrentHashMap.newKeySet();
        outer.run(3, p -> {
            partsInside.add(outer.parts(1_000_000, 1));
            partsInside.add(other.parts(1_000_000, 1));
        });
        assertEquals(Set.of(1), partsInside);
        assertFalse(outer.parts(1_000_000, 1) == 1, "outside the region the work is split again");
    }

    /** parts(n, grain) = min(ceil(n / grain), threads * CHUNKS_PER_THREAD): sizes and count only. */
    @Test
    void chunksDependOnlyOnSizesAndThreadCount() {
        assertEquals(12, new Parallel(3).parts(1000, 10));    // min(100, 3 * 4)
        assertEquals(3, new Parallel(3).parts(25, 10));       // min(ceil(2.5), 12)
        assertEquals(8, new Parallel(2).parts(1000, 10));     // min(100, 2 * 4)
        assertEquals(1, new Parallel(1).parts(1000, 10));     // one thread: no split
        assertEquals(0, Parallel.chunkStart(10, 3, 0));
        assertEquals(3, Parallel.chunkStart(10, 3, 1));       // floor(10 * 1 / 3)
        assertEquals(6, Parallel.chunkStart(10, 3, 2));       // floor(10 * 2 / 3)
        assertEquals(10, Parallel.chunkStart(10, 3, 3));
    }
}
