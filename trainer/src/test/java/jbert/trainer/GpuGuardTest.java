package jbert.trainer;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer's GPU-test guard ({@link TestData#assumeGpu}), on any machine: no GPU skips, or fails under jbert.requireGpu. */
class GpuGuardTest {
    @Test void noGpuSkipsTheTestAndFailsItUnderRequireGpu() {
        String why = "cuda: no CUDA driver (libcuda.so.1 not found)";
        assertThrows(TestAbortedException.class, () -> TestData.gpuGuard(why, false), "no GPU, no flag: skipped");
        String failed = assertThrows(AssertionFailedError.class, () -> TestData.gpuGuard(why, true), "no GPU, jbert.requireGpu: failed").getMessage();
        assertTrue(failed.contains("jbert.requireGpu") && failed.contains(why), failed);
        assertDoesNotThrow(() -> TestData.gpuGuard(null, true), "a GPU: the test runs");
    }
}
