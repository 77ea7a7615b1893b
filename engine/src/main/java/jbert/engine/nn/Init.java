package jbert.engine.nn;

import java.util.SplittableRandom;

/**
 * Parameter initialisation as HF's {@code BertPreTrainedModel._init_weights}: weights of Linear and
 * Embedding layers from N(0, initializer_range^2), biases 0, LayerNorm weight 1 and bias 0, and the
 * embedding row of padding_idx zeroed. One seeded generator per model makes it reproducible.
 */
public final class Init {
    /**
     * SplittableRandom's nextGaussian is the JDK's ziggurat sampler: about 10x faster than
     * java.util.Random's polar method, which matters for BERT-base's 110M draws.
     */
    private final SplittableRandom random;
    private final double std;

    public Init(long seed, double std) {
        this.random = new SplittableRandom(seed);
        this.std = std;
    }

    /** n draws from N(0, std^2). */
    public float[] normal(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (random.nextGaussian() * std);
        return a;
    }

    public static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
