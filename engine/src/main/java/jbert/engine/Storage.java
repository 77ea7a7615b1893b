package jbert.engine;

/**
 * A flat block of float32 values owned by one {@link Backend}: a Java array on the CPU, device memory
 * on the GPU. Model code never looks inside; it only hands storages to the backend's kernels.
 */
public interface Storage {
    /** Number of float32 elements. */
    long size();
}
