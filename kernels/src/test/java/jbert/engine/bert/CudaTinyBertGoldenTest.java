package jbert.engine.bert;

import jbert.kernels.Gpu;
import org.junit.jupiter.api.Test;

import java.io.IOException;

/**
 * The tiny-bert golden protocol of the engine's {@link TinyBertGoldenTest} (forward stages, every
 * gradient, 5 AdamW steps with clipping) on the CUDA backend, with the same tolerances as the CPU.
 * It lives in the engine's package to reuse that package-private protocol unchanged.
 */
class CudaTinyBertGoldenTest {
    @Test void gpuMatchesTheFloat64ReferenceLikeTheCpu() throws IOException {
        TinyBertGoldenTest.runGolden(Gpu.backend());
    }
}
