package jbert.kernels;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA kernels' logic checked without a GPU: {@code src/test/cuda-emu/run.sh} compiles the .cu
 * files with g++ under a small emulation of CUDA (a std::thread per CUDA thread, barriers for
 * __syncthreads and warp shuffles) and compares every kernel, with CudaBackend's launch shapes,
 * against double-precision loops. It catches indexing, bounds, reduction and synchronisation
 * mistakes; speed and the real memory model need the GPU tests.
 */
class KernelEmulationTest {
    @Test void everyKernelComputesItsMathUnderEmulation() throws Exception {
        Process p = new ProcessBuilder("bash", "src/test/cuda-emu/run.sh").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "emulation timed out");
        String failures = out.lines().filter(l -> l.startsWith("FAIL")).reduce("", (a, b) -> a + b + "\n");
        assertEquals(0, p.exitValue(), "emulated kernels failed (g++ with C++20 is needed):\n" + (failures.isEmpty() ? out : failures));
        assertTrue(out.contains(" passed, 0 failed"), out);
    }
}
