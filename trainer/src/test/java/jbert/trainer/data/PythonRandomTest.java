package jbert.trainer.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected values are CPython 3.11's, printed by the one-liners in the comments. */
class PythonRandomTest {

    @Test
    void rawWordsMatchCPython() {
        // random.Random(42); [r.getrandbits(32) for _ in range(3)]
        PythonRandom r = new PythonRandom(42);
        assertEquals(2746317213L, r.nextUint32());
        assertEquals(478163327L, r.nextUint32());
        assertEquals(107420369L, r.nextUint32());
    }

    @Test
    void randomMatchesCPython() {
        assertEquals(0.6394267984578837, new PythonRandom(42).random());   // random.Random(42).random()
        assertEquals(0.6137037779936511, new PythonRandom((1L << 40) + 7).random()); // a seed of two 32-bit words
    }

    @Test
    void shuffleMatchesCPython() {
        // l = list(range(10)); random.Random(42).shuffle(l)
        assertArrayEquals(new int[] {7, 3, 2, 8, 5, 6, 9, 4, 0, 1}, new PythonRandom(42).permutation(10));
        // l = list(range(1000)); random.Random(42).shuffle(l); l[:10], l[-3:]
        int[] p = new PythonRandom(42).permutation(1000);
        assertArrayEquals(new int[] {776, 507, 895, 922, 33, 483, 85, 750, 354, 523}, java.util.Arrays.copyOf(p, 10));
        assertArrayEquals(new int[] {25, 114, 654}, java.util.Arrays.copyOfRange(p, 997, 1000));
        // l = list(range(9543)); random.Random(7).shuffle(l); sum(i * v for i, v in enumerate(l))
        int[] q = new PythonRandom(7).permutation(9543);
        long s = 0;
        for (int i = 0; i < q.length; i++) s += (long) i * q[i];
        assertEquals(216756859369L, s);
    }

    @Test
    void epochOrdersDifferAndRepeat() {
        int[] a = EpochOrder.permutation(64, 42, 0), b = EpochOrder.permutation(64, 42, 1);
        assertArrayEquals(a, EpochOrder.permutation(64, 42, 0));
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(a, b));
        int[] sorted = a.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 0; i < 64; i++) assertEquals(i, sorted[i]);
    }
}
