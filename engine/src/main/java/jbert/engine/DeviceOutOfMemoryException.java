package jbert.engine;

/**
 * A backend could not allocate device memory. Callers that know the batch shape catch it and say which
 * batch did not fit (the trainer does); the message alone names the allocation.
 */
public class DeviceOutOfMemoryException extends RuntimeException {
    private final long requestedBytes;

    public DeviceOutOfMemoryException(long requestedBytes, String message) {
        super(message);
        this.requestedBytes = requestedBytes;
    }

    public long requestedBytes() { return requestedBytes; }
}
