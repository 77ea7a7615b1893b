package jbert.engine.nn;

import java.util.Random;

/**
 * Parameter initialisation as HF's {@code BertPreTrainedModel._init_weights}: weights of Linear and
 * Embedding layers from N(0, initializer_range^2), biases 0, LayerNorm weight 1 and bias 0, and the
 * embedding row of padding_idx zeroed. One seeded generator per model makes it reproducible.
 */
public final class Init {
    private final Random random;
    private final double std;

    public Init(long seed, double std) {
        this.random = new Random(seed);
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
