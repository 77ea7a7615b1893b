package jbert.trainer.data;

/**
 * Python's {@code random.Random}: the MT19937 Mersenne Twister seeded the way CPython seeds it, with
 * {@code shuffle} drawing exactly as CPython 3 does. It exists so that "a seeded shuffle (seed 42) of
 * the split, first N" picks the very same tweets as the Hugging Face reference script
 * ({@code random.Random(42).shuffle(idx)} in ../shared/peers/hf_seed_run.py): base and fine-tuned
 * accuracies are then measured on the same examples on both sides.
 *
 * <p>References: Matsumoto and Nishimura, "Mersenne Twister" (1998), {@code init_genrand} and
 * {@code init_by_array} of mt19937ar.c; CPython's Modules/_randommodule.c ({@code random_seed}: an
 * int seed becomes the key of its 32-bit words, least significant first) and Lib/random.py
 * ({@code shuffle}, {@code _randbelow_with_getrandbits}).
 */
public final class PythonRandom {
    private static final int N = 624;
    private static final int M = 397;

    private final int[] mt = new int[N];
    private int mti;

    /** {@code random.Random(seed)} for a non-negative seed. */
    public PythonRandom(long seed) {
        this(keyOf(seed));
    }

    /** The generator after {@code init_by_array(key)}, keys being unsigned 32-bit words. */
    public PythonRandom(int[] key) {
        initByArray(key);
    }

    /** CPython: the absolute value of the seed, split into 32-bit words, least significant first. */
    private static int[] keyOf(long seed) {
        if (seed < 0) throw new IllegalArgumentException("seed must be non-negative, got " + seed);
        if ((seed >>> 32) == 0) return new int[] {(int) seed};
        return new int[] {(int) seed, (int) (seed >>> 32)};
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        mti = N;
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++; j++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
            if (j >= key.length) j = 0;
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
        }
        mt[0] = 0x80000000; // MSB is 1, assuring a non-zero initial array
    }

    /** The next 32 random bits (genrand_uint32), as an unsigned value in a long. */
    public long nextUint32() {
        if (mti >= N) twist();
        int y = mt[mti++];
        // Tempering.
        y ^= (y >>> 11);
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= (y >>> 18);
        return y & 0xffffffffL;
    }

    private void twist() {
        for (int kk = 0; kk < N; kk++) {
            int y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % N] & 0x7fffffff);
            mt[kk] = mt[(kk + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        mti = 0;
    }

    /** {@code random.random()}: 53 random bits as a double in [0, 1). */
    public double random() {
        long a = nextUint32() >>> 5, b = nextUint32() >>> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /** {@code getrandbits(k)} for 1 &lt;= k &lt;= 32. */
    public long getrandbits(int k) {
        if (k < 1 || k > 32) throw new IllegalArgumentException("k must be in [1, 32], got " + k);
        return nextUint32() >>> (32 - k);
    }

    /** {@code _randbelow(n)}: uniform in [0, n) by rejection on n.bit_length() random bits. */
    public int randbelow(int n) {
        if (n <= 0) throw new IllegalArgumentException("n must be positive, got " + n);
        int k = 32 - Integer.numberOfLeadingZeros(n); // n.bit_length()
        long r = getrandbits(k);
        while (r >= n) r = getrandbits(k);
        return (int) r;
    }

    /** {@code shuffle(x)} in place: Fisher-Yates from the end, as Lib/random.py. */
    public void shuffle(int[] x) {
        for (int i = x.length - 1; i > 0; i--) {
            int j = randbelow(i + 1);
            int t = x[i]; x[i] = x[j]; x[j] = t;
        }
    }

    /** {@code idx = list(range(n)); shuffle(idx)}. */
    public int[] permutation(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        shuffle(idx);
        return idx;
    }
}
