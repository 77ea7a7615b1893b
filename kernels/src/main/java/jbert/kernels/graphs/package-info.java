/**
 * {@link jbert.kernels.graphs.StepGraphs}: a training step captured in CUDA graphs per
 * {@link jbert.engine.BatchShape} and replayed, with every call still checked against the capture.
 *
 * <p>Part of the CUDA backend's internals (see {@code jbert.kernels}): public only for its other rooms.
 */
package jbert.kernels.graphs;
