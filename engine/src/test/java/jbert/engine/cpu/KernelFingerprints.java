package jbert.engine.cpu;

import jbert.engine.Backend;
import jbert.engine.Storage;

import java.util.LinkedHashMap;
import java.util.Map;

import static jbert.engine.cpu.FastKernelsTest.random;
import static jbert.engine.cpu.FastKernelsTest.up;

/**
 * Every kernel of a CPU backend run once on fixed inputs, each output's raw bits reduced to a 64-bit
 * hash. FastKernelsTest compares these hashes between its own JVM, after the JIT has compiled the
 * kernels, and a child JVM run with {@code -Xint}, which cannot have compiled them: the only way to be
 * sure that one side really ran interpreted (see {@link VectorMath}). As a program, {@code main}
 * prints one {@code name hash} line per output, for {@code CpuBackend.fast(threads)}.
 *
 * <p>Sizes are small (the interpreter runs the Vector API's fallback code, lane by lane) and not
 * multiples of any vector width, so every kernel also takes its masked tail.
 */
final class KernelFingerprints {
    private KernelFingerprints() {}

    /** The raw bits of every kernel's outputs on {@code be}, by name (kernel, then output), in a fixed order. */
    static Map<String, int[]> outputs(Backend be) {
        Map<String, int[]> out = new LinkedHashMap<>();
        elementwise(be, out);
        gelu(be, out);
        layernorm(be, out);
        attention(be, out);
        embeddingAndDropout(be, out);
        lossAndOptimizer(be, out);
        return out;
    }

    /** {@link #outputs} reduced to hashes, by the same names. */
    static Map<String, String> of(Backend be) {
        Map<String, String> h = new LinkedHashMap<>();
        outputs(be).forEach((k, v) -> h.put(k, hash(v)));
        return h;
    }

    /**
     * FNV-1a over the raw bits, one 32-bit word at a time: the step h = (h ^ w) * prime is a bijection
     * of h for each word (the prime is odd), so any single changed word changes the hash.
     */
    static String hash(int[] a) {
        long h = 0xcbf29ce484222325L;
        for (int w : a) h = (h ^ (w & 0xffffffffL)) * 0x100000001b3L;
        return String.format("%016x/%d", h, a.length);
    }

    public static void main(String[] args) {
        of(CpuBackend.fast(Integer.parseInt(args[0]))).forEach((k, v) -> System.out.println(k + " " + v));
    }

    // Dimensions: R rows of C columns (C = 61, past three 16-lane vectors), T = 19 tokens,
    // GEMM M x K times K x N over BATCH items.
    private static final int R = 7, C = 61, T = 19, B = 2, NH = 2, M = 13, N = 37, K = 29, BATCH = 2;

    private static void elementwise(Backend be, Map<String, int[]> out) {
        float[] a = random(1, BATCH * M * K), b = random(2, BATCH * K * N), c0 = random(3, BATCH * M * N);
        Storage c = up(be, c0);                                                          // [BATCH, M, N]
        be.matmul(false, false, BATCH, M, N, K, 0.7f, up(be, a), up(be, b), 0.3f, c);
        out.put("matmul", bits(be, c));
        Storage ct = up(be, c0);                                                         // [BATCH, M, N]
        be.matmul(true, true, BATCH, M, N, K, 1f, up(be, a), up(be, b), 1f, ct);         // A as [K, M], B as [N, K]
        out.put("matmul transposed", bits(be, ct));

        int n = R * C;
        float[] x = random(4, n), y = random(5, n), bias = random(6, C);
        Storage s = be.allocate(n);                                                      // [R, C]
        be.add(up(be, x), up(be, y), s, n);
        out.put("add", bits(be, s));
        Storage ys = up(be, y);                                                          // [R, C]
        be.axpy(0.37f, up(be, x), ys, n);
        out.put("axpy", bits(be, ys));
        be.scale(-1.5f, up(be, x), s, n);
        out.put("scale", bits(be, s));
        be.biasForward(up(be, x), up(be, bias), s, R, C);
        out.put("biasForward", bits(be, s));
        Storage db = up(be, bias);                                                       // [C]
        be.biasBackward(up(be, x), db, R, C);
        out.put("biasBackward", bits(be, db));
    }

    private static void gelu(Backend be, Map<String, int[]> out) {
        int n = R * C;
        float[] x = random(7, n, -8f, 8f), dout = random(8, n), dx0 = random(9, n), bias = random(10, C);
        Storage y = be.allocate(n);                                                      // [R, C]
        be.geluForward(up(be, x), y, n);
        out.put("geluForward", bits(be, y));
        Storage dx = up(be, dx0);                                                        // [R, C]
        be.geluBackward(up(be, x), up(be, dout), dx, n);
        out.put("geluBackward", bits(be, dx));
        Storage pre = be.allocate(n), act = be.allocate(n);                              // [R, C] each
        be.biasGeluForward(up(be, x), up(be, bias), pre, act, R, C);
        out.put("biasGeluForward pre", bits(be, pre));
        out.put("biasGeluForward out", bits(be, act));
        Storage dxb = up(be, dx0), db = up(be, bias);                                    // [R, C], [C]
        be.biasGeluBackward(pre, up(be, dout), dxb, db, R, C);
        out.put("biasGeluBackward dx", bits(be, dxb));
        out.put("biasGeluBackward dbias", bits(be, db));
        Storage t = be.allocate(n), dt = up(be, dx0);                                    // [R, C] each
        be.tanhForward(up(be, x), t, n);
        be.tanhBackward(t, up(be, dout), dt, n);
        out.put("tanhForward", bits(be, t));
        out.put("tanhBackward", bits(be, dt));
    }

    private static void layernorm(Backend be, Map<String, int[]> out) {
        int n = R * C;
        float[] a = random(11, n), b = random(12, n), gamma = random(13, C), beta = random(14, C), dout = random(15, n);
        Storage y = be.allocate(n), mean = be.allocate(R), rstd = be.allocate(R);        // [R, C], [R], [R]
        be.layernormForward(up(be, a), up(be, gamma), up(be, beta), y, mean, rstd, R, C, 1e-12f);
        out.put("layernormForward out", bits(be, y));
        out.put("layernormForward mean", bits(be, mean));
        out.put("layernormForward rstd", bits(be, rstd));
        Storage dx = up(be, b), dg = up(be, gamma), dbeta = up(be, beta);                // [R, C], [C], [C]
        be.layernormBackward(up(be, dout), up(be, a), up(be, gamma), mean, rstd, dx, dg, dbeta, R, C);
        out.put("layernormBackward dx", bits(be, dx));
        out.put("layernormBackward dgamma", bits(be, dg));
        out.put("layernormBackward dbeta", bits(be, dbeta));
        Storage sum = be.allocate(n), y2 = be.allocate(n), m2 = be.allocate(R), r2 = be.allocate(R);
        be.residualLayernormForward(up(be, a), up(be, b), up(be, gamma), up(be, beta), sum, y2, m2, r2, R, C, 1e-5f);
        out.put("residualLayernormForward sum", bits(be, sum));
        out.put("residualLayernormForward out", bits(be, y2));
        out.put("residualLayernormForward rstd", bits(be, r2));
    }

    private static void attention(Backend be, Map<String, int[]> out) {
        int n = B * NH * T * T;
        float[] scores = random(16, n, -8f, 8f), dprobs = random(17, n), ds0 = random(18, n);
        float[] mask = new float[B * T];                                                 // [B, T]
        for (int j = T / 2; j < T; j++) mask[T + j] = -Float.MAX_VALUE;                  // item 1 padded from T/2
        Storage probs = be.allocate(n);                                                  // [B, NH, T, T]
        be.softmaxForward(up(be, scores), up(be, mask), 0.3f, probs, B, NH, T);
        out.put("softmaxForward", bits(be, probs));
        Storage ds = up(be, ds0);                                                        // [B, NH, T, T]
        be.softmaxBackward(probs, up(be, dprobs), ds, 0.3f, B, NH, T);
        out.put("softmaxBackward", bits(be, ds));
        float[] x = random(19, B * T * NH * 5), p0 = random(27, B * NH * T * 5);
        Storage p = up(be, p0);                                                          // [B, NH, T, 5]
        be.permute0213(up(be, x), p, B, T, NH, 5, true);
        out.put("permute0213 accumulate", bits(be, p));
    }

    private static void embeddingAndDropout(Backend be, Map<String, int[]> out) {
        int V = 11, n = 40;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = (i * 7) % V;                                // ids repeat: the backward sums them
        float[] table = random(20, V * C), dout = random(21, n * C);
        Storage e = be.allocate((long) n * C);                                           // [n, C]
        be.embeddingForward(ids, up(be, table), e, n, C);
        out.put("embeddingForward", bits(be, e));
        Storage dt = up(be, table);                                                      // [V, C]
        be.embeddingBackward(ids, up(be, dout), dt, n, C);
        out.put("embeddingBackward", bits(be, dt));
        Storage d = be.allocate((long) n * C), dd = up(be, dout);                        // [n, C] each
        be.dropoutForward(up(be, dout), d, (long) n * C, 0.1f, 1234L);
        be.dropoutBackward(e, dd, (long) n * C, 0.1f, 1234L);
        out.put("dropoutForward", bits(be, d));
        out.put("dropoutBackward", bits(be, dd));
    }

    private static void lossAndOptimizer(Backend be, Map<String, int[]> out) {
        int rows = 9, classes = 3;
        int[] labels = {0, 1, 2, 2, 1, 0, 0, 1, 2};
        Storage probs = be.allocate((long) rows * classes), dl = be.allocate((long) rows * classes); // [rows, classes]
        double loss = be.crossEntropyForward(up(be, random(22, rows * classes, -4f, 4f)), labels, probs, rows, classes);
        be.crossEntropyBackward(probs, labels, dl, 1f / rows, rows, classes);
        out.put("crossEntropyForward loss", doubleBits(loss));
        out.put("crossEntropyBackward", bits(be, dl));

        int n = 9001;                                                                    // over two of sumOfSquares's 4096-float blocks
        float[] p = random(23, n), g = random(24, n, -0.1f, 0.1f), m = random(25, n, -0.01f, 0.01f), v = random(26, n, 0f, 1e-4f);
        out.put("sumOfSquares", doubleBits(be.sumOfSquares(up(be, g), n)));
        Storage ps = up(be, p), gs = up(be, g), ms = up(be, m), vs = up(be, v);          // [n] each
        be.adamwUpdate(ps, gs, ms, vs, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f,
                (float) (1 - Math.pow(0.9, 3)), (float) (1 - Math.pow(0.999, 3)), 0.37f, false);
        out.put("adamwUpdate param", bits(be, ps));
        out.put("adamwUpdate m", bits(be, ms));
        out.put("adamwUpdate v", bits(be, vs));
    }

    /** The raw bits of a storage's floats (raw: a NaN's payload counts too). */
    private static int[] bits(Backend be, Storage s) {
        float[] f = be.download(s);
        int[] w = new int[f.length];
        for (int i = 0; i < f.length; i++) w[i] = Float.floatToRawIntBits(f[i]);
        return w;
    }

    /** A double's raw 64 bits as two words. */
    private static int[] doubleBits(double d) {
        long bits = Double.doubleToRawLongBits(d);
        return new int[] {(int) (bits >>> 32), (int) bits};
    }
}
