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
    void uninitialisedStorageIsReusedAsIsOnTheFastBackendAndNanOnTheReference() {
        CpuBackend fast = CpuBackend.INSTANCE;
        int n = 12_347;                                       // a size no other test uses
        Storage s = fast.allocate(n);
        float[] first = ((CpuStorage) s).array();
        java.util.Arrays.fill(first, 7f);
        fast.release(s);
        Storage again = fast.allocateUninitialised(n);
        assertTrue(((CpuStorage) again).array() == first, "allocateUninitialised reuses the released array");
        assertEquals(7f, fast.download(again)[n - 1], "and does not clear it");
        // The reference backend (every test's baseline) poisons: an output a kernel leaves unwritten is NaN.
        float[] ref = CpuBackend.reference().download(CpuBackend.reference().allocateUninitialised(5));
        for (float v : ref) assertTrue(Float.isNaN(v), "reference allocateUninitialised fills NaN");
    }

    @Test
    void aPooledArrayUpToAQuarterLongerServesAShorterRequestWithTheRequestedSize() {
        CpuBackend be = CpuBackend.INSTANCE;
        int n = 80_000, H = 8;                                // sizes no other test uses
        Storage s = be.allocate(n);
        float[] first = ((CpuStorage) s).array();
        java.util.Arrays.fill(first, 3f);
        be.release(s);
        Storage shorter = be.allocate(n - n / 10);           // within a quarter: reused
        assertTrue(((CpuStorage) shorter).array() == first, "best fit within a quarter reuses the array");
        assertEquals(n - n / 10, shorter.size());
        assertArrayEquals(new float[n - n / 10], be.download(shorter), "download: the requested floats, cleared");
        be.fill(shorter, 2f);
        assertEquals(3f, first[n - 1], "fill stops at the storage's size");
        be.release(shorter);
        Storage half = be.allocate(n / 2);                   // more than a quarter shorter: a new array
        assertTrue(((CpuStorage) half).array() != first);
        be.release(half);
        // A table over a longer pooled array still has only its own rows: id V is out of range.
        int V = (n - n / 16) / H;
        Storage table = be.allocate((long) V * H);
        assertTrue(((CpuStorage) table).array() == first);
        Storage out = be.allocate(H);
        var e = assertThrows(IllegalArgumentException.class, () -> be.embeddingForward(new int[]{V}, table, out, 1, H));
        assertTrue(e.getMessage().contains("embeddingForward"), e.getMessage());
        be.embeddingForward(new int[]{V - 1}, table, out, 1, H);
    }

    @Test
    void poolIsBounded() {
        ArrayPool pool = new ArrayPool(100);
        pool.give(new float[60]);
        pool.give(new float[60]);                             // would exceed 100 floats: the older one goes
        assertEquals(60, pool.pooledFloats());
        pool.take(60);
        assertEquals(0, pool.pooledFloats());
    }

    @Test
    void poolKeepsTheMostRecentSizes() {
        ArrayPool pool = new ArrayPool(100);
        float[] old = new float[50], mid = new float[30], recent = new float[40];
        pool.give(old);
        pool.give(mid);
        pool.give(recent);                                    // 120 > 100: the oldest (50) is dropped
        assertEquals(70, pool.pooledFloats());
        assertTrue(pool.take(40) == recent);
        assertTrue(pool.take(30) == mid);
        assertTrue(pool.take(50) != old, "the evicted array is not handed out again");
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

    /** The other in-place uses the ops make (Backend Javadoc): softmax, dropout, residual + LayerNorm, bias + GELU. */
    @Test
    void inPlaceCallsMatchOutOfPlaceOnes() {
        int B = 2, NH = 3, T = 17, rows = 5, cols = 33;
        float[] scores = FastKernelsTest.random(3, B * NH * T * T), mask = new float[B * T];
        float[] x = FastKernelsTest.random(4, rows * cols), y = FastKernelsTest.random(5, rows * cols);
        float[] gamma = FastKernelsTest.random(6, cols), beta = FastKernelsTest.random(7, cols), bias = FastKernelsTest.random(8, cols);
        for (Backend be : new Backend[]{CpuBackend.reference(), CpuBackend.INSTANCE}) {
            String name = be == CpuBackend.INSTANCE ? "fast" : "reference";
            Storage probs = be.allocate(scores.length), inPlace = be.upload(scores);
            be.softmaxForward(be.upload(scores), be.upload(mask), 0.5f, probs, B, NH, T);
            be.softmaxForward(inPlace, be.upload(mask), 0.5f, inPlace, B, NH, T);
            assertArrayEquals(be.download(probs), be.download(inPlace), name + " softmax in place");

            Storage dropped = be.allocate(x.length), dropInPlace = be.upload(x);
            be.dropoutForward(be.upload(x), dropped, x.length, 0.3f, 99L);
            be.dropoutForward(dropInPlace, dropInPlace, x.length, 0.3f, 99L);
            assertArrayEquals(be.download(dropped), be.download(dropInPlace), name + " dropout in place");

            Storage sum = be.allocate(x.length), out1 = be.allocate(x.length), out2 = be.allocate(x.length);
            Storage a2 = be.upload(x);
            be.residualLayernormForward(be.upload(x), be.upload(y), be.upload(gamma), be.upload(beta), sum, out1,
                    be.allocate(rows), be.allocate(rows), rows, cols, 1e-12f);
            be.residualLayernormForward(a2, be.upload(y), be.upload(gamma), be.upload(beta), a2, out2,
                    be.allocate(rows), be.allocate(rows), rows, cols, 1e-12f);
            assertArrayEquals(be.download(out1), be.download(out2), name + " residual LayerNorm with sum over a");
            assertArrayEquals(be.download(sum), be.download(a2), name + " residual LayerNorm's kept sum");

            Storage pre = be.allocate(x.length), gelu = be.allocate(x.length), all = be.upload(x);
            be.biasGeluForward(be.upload(x), be.upload(bias), pre, gelu, rows, cols);
            be.biasGeluForward(all, be.upload(bias), all, all, rows, cols);
            assertArrayEquals(be.download(gelu), be.download(all), name + " bias+GELU with x, pre and out one storage");
        }
    }
}
