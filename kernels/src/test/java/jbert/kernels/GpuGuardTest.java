package jbert.kernels;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GPU tests' guard, on any machine: no GPU skips them, or fails them under -Djbert.requireGpu=true. */
class GpuGuardTest {
    static final String NO_GPU = "libcuda.so.1 not found";

    @Test void withoutAGpuTheTestIsSkipped() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> Gpu.guard(NO_GPU, false));
        assertTrue(e.getMessage().contains(NO_GPU), e.getMessage());
    }

    @Test void withoutAGpuUnderRequireGpuTheTestFails() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> Gpu.guard(NO_GPU, true));
        assertTrue(e.getMessage().contains("jbert.requireGpu") && e.getMessage().contains(NO_GPU), e.getMessage());
    }

    @Test void withAGpuTheTestRuns() {
        assertDoesNotThrow(() -> Gpu.guard(null, true));
        assertDoesNotThrow(() -> Gpu.guard(null, false));
    }

    @Test void theFlagIsTheSystemPropertyJbertRequireGpu() {
        Properties p = new Properties();
        assertFalse(Gpu.requireGpu(p), "off by default");
        p.setProperty("jbert.requireGpu", "true");
        assertTrue(Gpu.requireGpu(p));
        p.setProperty("jbert.requireGpu", "false");
        assertFalse(Gpu.requireGpu(p));
    }
}
