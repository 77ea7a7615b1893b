/**
 * Device memory: {@link jbert.kernels.memory.CachingAllocator} (size buckets, reuse, the blocks of a
 * replayed step), {@link jbert.kernels.memory.CudaStorage}, {@link jbert.kernels.memory.CudaMemory}
 * (fills, copies, uploads through page-locked {@code HostStaging}, read-backs, all on the stream),
 * {@link jbert.kernels.memory.DeviceTables} (the multi-tensor kernels' tables and their LRU) and
 * {@link jbert.kernels.memory.ArgumentChecks} (every launch's sizes and ids, checked on the host).
 *
 * <p>Part of the CUDA backend's internals (see {@code jbert.kernels}): public only for its other rooms.
 */
package jbert.kernels.memory;
