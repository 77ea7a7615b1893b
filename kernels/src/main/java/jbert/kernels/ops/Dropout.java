package jbert.kernels.ops;

import jbert.engine.Storage;

import static jbert.kernels.memory.ArgumentChecks.in;

/**
 * The launches of {@code Dropout.cu}: inverted dropout with a counter-based RNG, so that the
 * backward regenerates the forward's mask from the seed instead of storing it.
 */
public final class Dropout extends OpLauncher {
    public Dropout(LaunchContext context) {
        super(context);
    }

    /** 1/(1-p) rounded to float as the CPU reference does; 0 for p = 1 (everything dropped). */
    public static float scale(float p) {
        if (p < 0 || p > 1 || Float.isNaN(p)) throw new IllegalArgumentException("dropout probability " + p + " is outside [0, 1]");
        return p >= 1 ? 0f : (float) (1.0 / (1.0 - p));
    }

    public void forward(Storage x, Storage out, long n, float p, long seed) {
        float s = scale(p);
        if (n == 0) return;
        bind();
        kernel("Dropout", "dropout_forward_counter_rng").launch(grid(n), THREADS, stream,
                in(x, n, "dropoutForward", "x"), in(out, n, "dropoutForward", "out"), n, p, s, seed);
    }

    public void backward(Storage dout, Storage dx, long n, float p, long seed) {
        float s = scale(p);
        if (n == 0) return;
        bind();
        kernel("Dropout", "dropout_backward_counter_rng").launch(grid(n), THREADS, stream,
                in(dout, n, "dropoutBackward", "dout"), in(dx, n, "dropoutBackward", "dx"), n, p, s, seed);
    }
}
