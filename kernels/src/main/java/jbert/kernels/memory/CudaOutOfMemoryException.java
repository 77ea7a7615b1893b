package jbert.kernels.memory;

import jbert.engine.DeviceOutOfMemoryException;

/**
 * The GPU has no room for an allocation even after the allocator gave back its cache. The message is
 * one line naming the allocation size and what is held; the trainer adds the batch shape.
 */
public final class CudaOutOfMemoryException extends DeviceOutOfMemoryException {
    public CudaOutOfMemoryException(long requestedBytes, String message) {
        super(requestedBytes, message);
    }
}
