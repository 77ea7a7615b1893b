package jbert.trainer;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer's GPU-test guard ({@link TestData#assumeGpu}), on any machine: no GPU skips, or fails under jbert.requireGpu. */
class GpuGuardTest {
    static final String NO_GPU = "cuda: no CUDA driver (libcuda.so.1 not found)";

    @Test void withoutAGpuTheTestIsSkipped() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> TestData.gpuGuard(NO_GPU, false));
        assertTrue(e.getMessage().contains(NO_GPU), e.getMessage());
    }

    @Test void withoutAGpuUnderRequireGpuTheTestFails() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> TestData.gpuGuard(NO_GPU, true));
        assertTrue(e.getMessage().contains("jbert.requireGpu") && e.getMessage().contains(NO_GPU), e.getMessage());
    }

    @Test void withAGpuTheTestRuns() {
        assertDoesNotThrow(() -> TestData.gpuGuard(null, true));
    }
}
