package jbert.kernels.memory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A caching allocator for device memory, as PyTorch's CUDA caching allocator does it in spirit:
 * {@code cuMemAlloc}/{@code cuMemFree} are slow (they synchronise the device), and a training step
 * asks for the same few hundred block sizes every step. So a released block is not freed; it goes on
 * a free list for its size bucket and the next request of that bucket reuses it. After the first
 * step, a step allocates nothing from the driver.
 *
 * <p>Buckets: requests round up to 512 bytes, then to a quarter of their power of two (sizes
 * 2^k, 1.25 * 2^k, 1.5 * 2^k, 1.75 * 2^k), so a block wastes at most 25% and nearby sizes share a
 * free list. When the device is out of memory, the allocator frees every cached block and tries once
 * more before throwing {@link CudaOutOfMemoryException}.
 *
 * <p>The device side sits behind {@link DeviceMemory}, so this logic is tested without a GPU. Not
 * thread-safe: the backend is used from one thread at a time.
 *
 * @param <H> the device's handle for a block (a {@code CUdeviceptr} on the GPU)
 */
public final class CachingAllocator<H> {

    /** The raw device allocator underneath. */
    public interface DeviceMemory<H> {
        /** A new block of exactly {@code bytes}, or null when the device is out of memory. */
        H malloc(long bytes);

        void free(H handle);
    }

    /** A block handed out: the handle and its bucket size in bytes. */
    public record Block<H>(H handle, long bytes) {}

    static final long MIN_BLOCK_BYTES = 512;

    private final DeviceMemory<H> memory;
    private final Supplier<String> deviceInfo;
    private final Map<Long, ArrayDeque<H>> free = new HashMap<>();
    private long bytesInUse, bytesCached, peakBytesInUse, driverAllocations;

    /**
     * @param deviceInfo a line about the device's memory for out-of-memory messages (free / total)
     */
    public CachingAllocator(DeviceMemory<H> memory, Supplier<String> deviceInfo) {
        this.memory = memory;
        this.deviceInfo = deviceInfo;
    }

    /** The bucket a request of {@code bytes} is served from. */
    static long bucketBytes(long bytes) {
        if (bytes <= MIN_BLOCK_BYTES) return MIN_BLOCK_BYTES;
        long power = Long.highestOneBit(bytes);
        long step = power / 4;                     // four buckets per doubling
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes}; contents are undefined (the backend zero-fills if asked). */
    public Block<H> allocate(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation of " + bytes + " bytes");
        long bucket = bucketBytes(bytes);
        ArrayDeque<H> list = free.get(bucket);
        H handle = scripted(list, bucket);
        if (handle == null && list != null) handle = list.poll();
        if (handle != null) {
            bytesCached -= bucket;
        } else {
            handle = memory.malloc(bucket);
            if (handle == null && !scripting()) {
                emptyCache();                       // give cached blocks of other sizes back, then retry
                handle = memory.malloc(bucket);
            }
            if (handle == null) {
                throw new CudaOutOfMemoryException(bytes, "CUDA out of memory: cannot allocate " + human(bytes)
                        + " (" + bytes + " bytes); jbert holds " + human(bytesInUse) + " in live tensors; "
                        + deviceInfo.get() + (scripting() ? " (inside a CUDA graph step, where cached blocks cannot be freed)" : ""));
            }
            driverAllocations++;
        }
        bytesInUse += bucket;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        Block<H> block = new Block<>(handle, bucket);
        if (recording != null) recording.add(block);
        return block;
    }

    // ---- scripts: the same blocks for a replayed step (StepGraphs) ---------------------------------
    // A released block goes on top of its free list, so two steps making the same requests get their
    // blocks in another order (with two blocks of a size, they swap every step). A graph replays the
    // addresses it captured, so a replayed step asks for the blocks the captured step got, in order.

    /** The blocks handed out while recording; the recorded blocks and the next index while replaying. */
    private List<Block<H>> recording;
    private List<? extends Block<?>> replaying;
    private int replayed;

    /** Recording or replaying: cached blocks are not freed (a graph being captured or replayed may use them). */
    private boolean scripting() { return recording != null || replaying != null; }

    /** Starts writing down the blocks handed out (a step being captured). */
    public void record() {
        stopScript();
        recording = new ArrayList<>();
    }

    /** The blocks handed out since {@link #record()}. */
    public List<Block<H>> recorded() { return recording == null ? List.of() : List.copyOf(recording); }

    /**
     * From now on, allocation i gets block i of {@code blocks} (a recorded step's) when that block is
     * free and of the bucket asked for; otherwise the usual one.
     */
    public void replay(List<? extends Block<?>> blocks) {
        stopScript();
        replaying = blocks;
        replayed = 0;
    }

    /** Back to the usual order. */
    public void stopScript() {
        recording = null;
        replaying = null;
    }

    /** The block a replay wants next, taken off {@code list} (the bucket's free list) if it is there (compared by identity). */
    private H scripted(ArrayDeque<H> list, long bucket) {
        if (replaying == null || replayed >= replaying.size()) return null;
        Block<?> want = replaying.get(replayed++);
        if (want.bytes() != bucket || list == null) return null;
        for (java.util.Iterator<H> it = list.iterator(); it.hasNext(); ) {
            H h = it.next();
            if (h == want.handle()) {
                it.remove();
                return h;
            }
        }
        return null;
    }

    /** Puts a block back on its free list (it is not freed on the device). */
    public void release(Block<H> block) {
        free.computeIfAbsent(block.bytes(), k -> new ArrayDeque<>()).push(block.handle());
        bytesInUse -= block.bytes();
        bytesCached += block.bytes();
    }

    /** Frees every cached (released) block on the device. Live blocks are untouched. */
    public void emptyCache() {
        for (ArrayDeque<H> list : free.values()) {
            for (H h : list) memory.free(h);
            list.clear();
        }
        bytesCached = 0;
    }

    public long bytesInUse() { return bytesInUse; }
    public long bytesCached() { return bytesCached; }
    public long peakBytesInUse() { return peakBytesInUse; }
    /** How many times the device allocator was called (stays flat once steps reuse blocks). */
    public long driverAllocations() { return driverAllocations; }

    public static String human(long bytes) {
        if (bytes >= 1L << 30) return String.format("%.2f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format("%.1f MiB", bytes / (double) (1L << 20));
        if (bytes >= 1L << 10) return String.format("%.1f KiB", bytes / 1024.0);
        return bytes + " B";
    }
}
