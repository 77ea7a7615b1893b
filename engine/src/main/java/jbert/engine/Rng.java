package jbert.engine;

/**
 * The counter-based random numbers behind dropout: {@code uniform(seed, i)} is a pure function of its
 * arguments, so any element's draw can be recomputed anywhere (backward, another thread, the GPU) with
 * no stored mask and no shared generator state. The CUDA kernel {@code dropout_forward} computes the
 * same function bit for bit.
 *
 * <p>The mix is SplitMix64's finaliser (Steele, Lea, Flood: "Fast splittable pseudorandom number
 * generators", OOPSLA 2014) applied to {@code seed + (i+1) * golden gamma}.
 */
public final class Rng {
    private Rng() {}

    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    /** A 64-bit hash of (seed, counter). */
    public static long mix(long seed, long counter) {
        long z = seed + (counter + 1) * GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A float in [0, 1) from the top 24 bits of {@link #mix}: exact in float32. */
    public static float uniform(long seed, long counter) {
        return (mix(seed, counter) >>> 40) * 0x1.0p-24f;
    }
}
