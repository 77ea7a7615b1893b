/**
 * The GPU as the driver API sees it: {@link jbert.kernels.driver.CudaDevice} (context, stream, SM count),
 * {@link jbert.kernels.driver.KernelSources} and {@link jbert.kernels.driver.KernelModules} (committed PTX
 * or NVRTC 12, one module per op family), {@link jbert.kernels.driver.Kernel} (an entry point and its
 * parameter block, checked against the PTX signature at the first launch),
 * {@link jbert.kernels.driver.ForeignLaunch} (the driver's {@code cuLaunchKernel} through
 * java.lang.foreign), {@link jbert.kernels.driver.GraphDriver} (the graph functions, likewise) and
 * {@link jbert.kernels.driver.Grids} (the launch shapes the kernels share). JCuda opens the device,
 * loads the modules and finds the functions; launches do not go through it.
 *
 * <p>Part of the CUDA backend's internals (see {@code jbert.kernels}): public only for its other rooms.
 */
package jbert.kernels.driver;
