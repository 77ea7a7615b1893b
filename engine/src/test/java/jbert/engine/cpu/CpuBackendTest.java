package jbert.engine.cpu;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Memory management of the CPU backend: the reuse pool, release semantics, size checks, aliasing. */
class CpuBackendTest {

    @Test
    void releasedArraysAreReusedZeroFilled() {
        CpuBackend be = CpuBackend.reference();
        int n = 12_345;                                       // a size no other test uses
        Storage s = be.allocate(n);
        float[] first = ((CpuStorage) s).array();
        java.util.Arrays.fill(first, 7f);
        long pooled = be.pooledFloats();
        be.release(s);
        assertEquals(pooled + n, be.pooledFloats());
        Storage again = be.allocate(n);
        assertTrue(((CpuStorage) again).array() == first, "allocate reuses the released array");
        assertArrayEquals(new float[n], be.download(again), "a reused array comes back zero-filled");
        assertEquals(pooled, be.pooledFloats());
    }

    @Test
    void poolIsBounded() {
        ArrayPool pool = new ArrayPool(100);
        pool.give(new float[60]);
        pool.give(new float[60]);                             // would exceed 100 floats: dropped
        assertEquals(60, pool.pooledFloats());
        pool.take(60);
        assertEquals(0, pool.pooledFloats());
    }

    @Test
    void storageIsUnusableAfterRelease() {
        Backend be = CpuBackend.INSTANCE;
        Storage s = be.allocate(4);
        be.release(s);
        assertThrows(IllegalStateException.class, () -> be.download(s));
        assertThrows(IllegalStateException.class, () -> be.release(s));
    }

    @Test
    void matmulNamesTheOperandThatIsTooSmall() {
        Backend be = CpuBackend.INSTANCE;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> be.matmul(false, false, 1, 4, 5, 6, 1f, be.allocate(24), be.allocate(29), 0f, be.allocate(20)));
        assertTrue(e.getMessage().contains("B") && e.getMessage().contains("30"), e.getMessage());
    }

    @Test
    void embeddingRejectsAnIdOutsideTheTable() {
        Backend be = CpuBackend.INSTANCE;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> be.embeddingForward(new int[]{0, 9}, be.allocate(3 * 4), be.allocate(2 * 4), 2, 4));
        assertTrue(e.getMessage().contains("9"), e.getMessage());
    }

    /** Backend contract: biasGeluForward's pre may be the same storage as out. */
    @Test
    void biasGeluForwardAllowsPreToAliasOut() {
        int rows = 3, cols = 37;
        float[] x = FastKernelsTest.random(1, rows * cols), bias = FastKernelsTest.random(2, cols);
        for (Backend be : new Backend[]{CpuBackend.reference(), CpuBackend.INSTANCE}) {
            Storage sep = be.allocate(rows * cols), out = be.allocate(rows * cols), same = be.allocate(rows * cols);
            be.biasGeluForward(be.upload(x), be.upload(bias), sep, out, rows, cols);
            be.biasGeluForward(be.upload(x), be.upload(bias), same, same, rows, cols);
            assertArrayEquals(be.download(out), be.download(same));
        }
    }

    @Test
    void threadCountIsConfigurable() {
        String configured = System.getProperty("jbert.threads", System.getenv("JBERT_THREADS"));
        int expected = configured == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(configured.trim());
        assertEquals(expected, Parallel.threads());
    }
}
