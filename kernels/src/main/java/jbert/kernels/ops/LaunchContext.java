package jbert.kernels.ops;

import jbert.kernels.driver.CudaDevice;
import jbert.kernels.driver.Grids;
import jbert.kernels.driver.KernelModules;
import jbert.kernels.memory.CudaMemory;
import jbert.kernels.memory.DeviceTables;

/**
 * What every launcher stands on, made once by {@link jbert.kernels.CudaBackend}: the device and its
 * stream, its loaded kernels, the shared launch shapes, memory (scratch, uploads, read-backs) and the
 * multi-tensor tables.
 */
public record LaunchContext(CudaDevice device, KernelModules kernels, Grids grids, CudaMemory memory, DeviceTables tables) {}
