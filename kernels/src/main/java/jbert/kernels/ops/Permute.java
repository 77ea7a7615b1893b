package jbert.kernels.ops;

import jbert.engine.Storage;

import static jbert.kernels.memory.ArgumentChecks.in;

/**
 * The launch of {@code Permute.cu}: attention's head split and merge, [A, B, C, D] to [A, C, B, D].
 */
public final class Permute extends OpLauncher {
    public Permute(LaunchContext context) {
        super(context);
    }

    public void permute0213(Storage x, Storage out, int A, int B, int C, int D, boolean accumulate) {
        long n = (long) A * B * C * D;
        if (n == 0) return;
        // Permute.cu indexes in 32 bits; a Java float[] holds no more either.
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("permute0213: [" + A + ", " + B + ", " + C + ", " + D + "] has " + n + " elements, more than 2^31 - 1");
        bind();
        boolean float4 = D % 4 == 0;   // then no float4 crosses a D-row
        kernel("Permute", float4 ? "permute0213_forward_float4" : "permute0213_forward_elementwise").launch(grid(float4 ? n / 4 : n), THREADS, stream,
                in(x, n, "permute0213", "x"), in(out, n, "permute0213", "out"), A, B, C, D, accumulate);
    }
}
