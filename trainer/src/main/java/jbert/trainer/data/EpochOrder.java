package jbert.trainer.data;

/**
 * The order training examples are visited in each epoch: a fresh shuffle per epoch, a pure function
 * of (seed, epoch). Nothing about it is stored but the position, so a resumed run recomputes the same
 * order and continues at the same example.
 */
public final class EpochOrder {
    private EpochOrder() {}

    /** A permutation of 0..n-1 for epoch {@code epoch} (0-based): MT19937 keyed by {seed, epoch}. */
    public static int[] permutation(int n, long seed, int epoch) {
        int[] key = {(int) seed, (int) (seed >>> 32), epoch};
        return new PythonRandom(key).permutation(n);
    }
}
