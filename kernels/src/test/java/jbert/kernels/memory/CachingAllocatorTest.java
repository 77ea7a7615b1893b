package jbert.kernels.memory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The allocator's host-side logic against a fake device with a fixed capacity. */
class CachingAllocatorTest {

    /** A fake device: handles are sequence numbers; malloc fails (null) past the capacity. */
    static final class FakeDevice implements CachingAllocator.DeviceMemory<Long> {
        final long capacity;
        long used, next;
        final Set<Long> live = new HashSet<>();
        final List<Long> mallocSizes = new ArrayList<>();

        FakeDevice(long capacity) { this.capacity = capacity; }

        @Override public Long malloc(long bytes) {
            if (used + bytes > capacity) return null;
            used += bytes;
            mallocSizes.add(bytes);
            long h = next++;
            live.add(h);
            sizes.put(h, bytes);
            return h;
        }

        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

        @Override public void free(Long h) {
            assertTrue(live.remove(h), "double free of " + h);
            used -= sizes.remove(h);
        }
    }

    @Test void bucketsRoundUpToAQuarterOfThePowerOfTwo() {
        assertEquals(512, CachingAllocator.bucketBytes(0));
        assertEquals(512, CachingAllocator.bucketBytes(1));
        assertEquals(512, CachingAllocator.bucketBytes(512));
        assertEquals(640, CachingAllocator.bucketBytes(513));      // 512 + 128
        assertEquals(1024, CachingAllocator.bucketBytes(1000));
        assertEquals(1280, CachingAllocator.bucketBytes(1025));
        assertEquals(3L << 20, CachingAllocator.bucketBytes((5L << 19) + 1));  // 2.5 MiB + 1 -> 3 MiB
        for (long bytes = 1; bytes < 1 << 22; bytes = bytes * 3 / 2 + 7) {
            long b = CachingAllocator.bucketBytes(bytes);
            assertTrue(b >= bytes, "bucket " + b + " < request " + bytes);
            assertTrue(b <= Math.max(512, bytes * 1.25 + 1), "bucket " + b + " wastes more than 25% of " + bytes);
        }
    }

    @Test void releasedBlocksAreReusedNotFreed() {
        FakeDevice dev = new FakeDevice(1 << 20);
        CachingAllocator<Long> a = new CachingAllocator<>(dev, () -> "fake device");
        var x = a.allocate(1000);
        var y = a.allocate(4000);
        assertEquals(2, a.driverAllocations());
        a.release(x);
        a.release(y);
        assertEquals(0, a.bytesInUse());
        assertEquals(1024 + 4096, a.bytesCached());
        // A "next step" asking for the same sizes (and sizes in the same buckets) gets the same blocks.
        var x2 = a.allocate(1000);
        var y2 = a.allocate(3900);
        assertEquals(x.handle(), x2.handle());
        assertEquals(y.handle(), y2.handle());
        assertEquals(2, a.driverAllocations(), "no new device allocation");
        assertEquals(0, a.bytesCached());
        assertEquals(2, dev.live.size());
        assertEquals(1024 + 4096, a.peakBytesInUse());
    }

    @Test void outOfMemoryEmptiesTheCacheAndRetriesBeforeFailing() {
        FakeDevice dev = new FakeDevice(8192);
        CachingAllocator<Long> a = new CachingAllocator<>(dev, () -> "fake device has 8 KiB");
        var small = a.allocate(4096);
        a.release(small);                          // cached: the device is half used by the cache
        var big = a.allocate(6000);                // needs 6144: only fits once the cache is emptied
        assertEquals(6144, big.bytes());
        assertEquals(0, a.bytesCached());
        assertFalse(dev.live.contains(small.handle()), "the cached block was freed on the device");

        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> a.allocate(5000));
        assertEquals(5000, e.requestedBytes());
        assertTrue(e.getMessage().contains("5000 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("6.0 KiB in live tensors"), e.getMessage());
        assertTrue(e.getMessage().contains("fake device has 8 KiB"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test void emptyCacheFreesOnlyReleasedBlocks() {
        FakeDevice dev = new FakeDevice(1 << 20);
        CachingAllocator<Long> a = new CachingAllocator<>(dev, () -> "");
        var live = a.allocate(100);
        var dead = a.allocate(100);
        a.release(dead);
        a.emptyCache();
        assertEquals(Set.of(live.handle()), dev.live);
        assertEquals(512, a.bytesInUse());
    }

    @Test void negativeSizesAreRejected() {
        CachingAllocator<Long> a = new CachingAllocator<>(new FakeDevice(1024), () -> "");
        assertThrows(IllegalArgumentException.class, () -> a.allocate(-4));
    }

    /** A step's requests: two blocks of one bucket, released in the order they were taken. */
    private static List<Long> step(CachingAllocator<Long> a) {
        var x = a.allocate(4096);
        var y = a.allocate(4096);
        a.release(x);
        a.release(y);
        return List.of(x.handle(), y.handle());
    }

    @Test void aReplayedStepGetsTheBlocksTheRecordedStepGot() {
        CachingAllocator<Long> a = new CachingAllocator<>(new FakeDevice(1 << 20), () -> "fake");
        step(a);
        List<Long> first = step(a), second = step(a);
        assertEquals(List.of(first.get(1), first.get(0)), second, "without a script the two blocks swap every step");
        a.record();
        List<Long> recorded = step(a);
        var blocks = a.recorded();
        a.stopScript();
        for (int i = 0; i < 3; i++) {
            a.replay(blocks);
            assertEquals(recorded, step(a), "replay " + i);
            a.stopScript();
        }
        // a recorded block that is in use is not taken: the request gets another
        var held = a.allocate(4096);
        a.replay(blocks);
        var x = a.allocate(4096);
        assertNotEquals(held.handle(), x.handle());
        a.stopScript();
    }

    @Test void insideAScriptTheCacheIsNotEmptiedToMakeRoom() {
        FakeDevice d = new FakeDevice(8192);
        CachingAllocator<Long> a = new CachingAllocator<>(d, () -> "fake");
        a.release(a.allocate(8192));                          // cached, holding the whole device
        a.record();
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> a.allocate(6000));
        assertTrue(e.getMessage().contains("inside a CUDA graph step"), e.getMessage());
        a.stopScript();
        assertNotNull(a.allocate(6000), "outside a script the cached block is freed and the request served");
    }
}
