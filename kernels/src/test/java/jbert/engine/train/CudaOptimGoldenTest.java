package jbert.engine.train;

import jbert.kernels.Gpu;
import org.junit.jupiter.api.Test;

import java.io.IOException;

/**
 * The optimizer golden of the engine's {@link OptimGoldenTest} (5 steps of TrainStep against torch with
 * clipping, weight decay and the warmup schedule all acting) on the CUDA backend, with the same
 * tolerances as the CPU. It lives in the engine's package to reuse that package-private protocol.
 */
class CudaOptimGoldenTest {
    @Test void gpuMatchesTorchsOptimizerLikeTheCpu() throws IOException {
        OptimGoldenTest.runGolden(Gpu.backend());
    }
}
