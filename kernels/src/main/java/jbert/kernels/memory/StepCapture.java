package jbert.kernels.memory;

/**
 * What {@link CudaMemory} must tell a training step that is being captured in CUDA graphs or
 * replayed from them ({@link jbert.kernels.graphs.StepGraphs} implements it).
 */
public interface StepCapture {
    /** Whether a step is being captured or replayed: uploads then go in one part, never waiting. */
    boolean active();

    /** The host is about to read device memory or wait for the device: what a graph holds back must run. */
    void boundary();
}
