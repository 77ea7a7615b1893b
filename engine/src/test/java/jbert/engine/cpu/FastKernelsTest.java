package jbert.engine.cpu;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every fast kernel, on one, two and three threads and on every core ({@link #FAST_BACKENDS}), against
 * its scalar reference ({@link CpuBackend#reference()}) on random inputs, at sizes that are not
 * multiples of the vector width. Gradient outputs start from random values, not zeros, so the += of
 * every *Backward kernel is checked too. Each comparison also runs the fast kernel twice on each thread
 * count and demands identical bits.
 */
class FastKernelsTest {
    static final Backend FAST = CpuBackend.INSTANCE;
    static final Backend REF = CpuBackend.reference();
    /** The fast backends every kernel is checked on (fast(2) may be INSTANCE itself: each is listed once). */
    static final List<CpuBackend> FAST_BACKENDS = List.copyOf(new LinkedHashSet<>(
            List.of(CpuBackend.fast(1), CpuBackend.fast(2), CpuBackend.fast(3), CpuBackend.INSTANCE)));

    /** A kernel run on one backend from fresh copies of fixed inputs; returns its outputs. */
    interface Run { float[][] on(Backend be); }

    static float[] random(long seed, int n, float lo, float hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * (float) r.nextDouble();
        return a;
    }

    static float[] random(long seed, int n) { return random(seed, n, -2f, 2f); }

    static Storage up(Backend be, float[] a) { return be.upload(a.clone()); }

    static float[][] down(Backend be, Storage... s) {
        float[][] out = new float[s.length][];
        for (int i = 0; i < s.length; i++) out[i] = be.download(s[i]);
        return out;
    }

    /**
     * |fast - ref| &lt;= atol + rtol * |ref| elementwise on every thread count, and the fast kernel
     * repeats bit for bit on each.
     */
    static void compare(String what, Run run, double atol, double rtol) {
        float[][] ref = run.on(REF);
        for (CpuBackend be : FAST_BACKENDS) {
            String on = what + " on " + be.threads() + " threads";
            float[][] fast = run.on(be);
            float[][] again = run.on(be);
            for (int o = 0; o < ref.length; o++) {
                assertArrayEquals(fast[o], again[o], on + ": output " + o + " differs between two identical runs");
                assertClose(on + ": output " + o, ref[o], fast[o], atol, rtol);
            }
        }
    }

    static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        assertTrue(expected.length == actual.length, what + ": lengths " + expected.length + " vs " + actual.length);
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) expected[i] - actual[i]);
            if (!(err <= atol + rtol * Math.abs(expected[i]))) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 257, 1000})
    void elementwise(int n) {
        float[] a = random(1, n), b = random(2, n), y = random(3, n);
        compare("add n=" + n, be -> {
            Storage out = be.allocate(n);
            be.add(up(be, a), up(be, b), out, n);
            return down(be, out);
        }, 0, 0);
        compare("axpy n=" + n, be -> {
            Storage ys = up(be, y);
            be.axpy(0.37f, up(be, a), ys, n);
            return down(be, ys);
        }, 0, 0);
        compare("scale n=" + n, be -> {
            Storage out = be.allocate(n);
            be.scale(-1.5f, up(be, a), out, n);
            return down(be, out);
        }, 0, 0);
        compare("scale in place n=" + n, be -> {
            Storage x = up(be, a);
            be.scale(0.125f, x, x, n);
            return down(be, x);
        }, 0, 0);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 257})
    void bias(int cols) {
        int rows = 67;
        float[] x = random(4, rows * cols), bias = random(5, cols), dbias0 = random(6, cols);
        compare("biasForward cols=" + cols, be -> {
            Storage out = be.allocate((long) rows * cols);
            be.biasForward(up(be, x), up(be, bias), out, rows, cols);
            return down(be, out);
        }, 0, 0);
        compare("biasBackward cols=" + cols, be -> {
            Storage db = up(be, dbias0);
            be.biasBackward(up(be, x), db, rows, cols);
            return down(be, db);
        }, 1e-5, 1e-5);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 257, 3001})
    void gelu(int n) {
        float[] x = random(7, n, -8f, 8f), dout = random(8, n), dx0 = random(9, n);
        compare("geluForward n=" + n, be -> {
            Storage out = be.allocate(n);
            be.geluForward(up(be, x), out, n);
            return down(be, out);
        }, 1e-6, 1e-6);
        compare("geluBackward n=" + n, be -> {
            Storage dx = up(be, dx0);
            be.geluBackward(up(be, x), up(be, dout), dx, n);
            return down(be, dx);
        }, 1e-6, 1e-6);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 257})
    void biasGelu(int cols) {
        int rows = 19;
        float[] x = random(10, rows * cols, -5f, 5f), bias = random(11, cols), dout = random(12, rows * cols);
        float[] dx0 = random(13, rows * cols), db0 = random(14, cols);
        compare("biasGeluForward cols=" + cols, be -> {
            Storage pre = be.allocate((long) rows * cols), out = be.allocate((long) rows * cols);
            be.biasGeluForward(up(be, x), up(be, bias), pre, out, rows, cols);
            return down(be, pre, out);
        }, 1e-6, 1e-6);
        compare("biasGeluBackward cols=" + cols, be -> {
            Storage dx = up(be, dx0), db = up(be, db0);
            be.biasGeluBackward(up(be, x), up(be, dout), dx, db, rows, cols);
            return down(be, dx, db);
        }, 1e-5, 1e-5);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 257, 768})
    void layernorm(int cols) {
        int rows = 13;
        float eps = 1e-12f;
        float[] a = random(15, rows * cols), b = random(16, rows * cols);
        float[] gamma = random(17, cols), beta = random(18, cols), dout = random(19, rows * cols);
        float[] dx0 = random(20, rows * cols), dg0 = random(21, cols), db0 = random(22, cols);
        compare("layernormForward cols=" + cols, be -> {
            Storage out = be.allocate((long) rows * cols), mean = be.allocate(rows), rstd = be.allocate(rows);
            be.layernormForward(up(be, a), up(be, gamma), up(be, beta), out, mean, rstd, rows, cols, eps);
            return down(be, out, mean, rstd);
        }, 2e-5, 2e-5);
        compare("residualLayernormForward cols=" + cols, be -> {
            Storage sum = be.allocate((long) rows * cols), out = be.allocate((long) rows * cols);
            Storage mean = be.allocate(rows), rstd = be.allocate(rows);
            be.residualLayernormForward(up(be, a), up(be, b), up(be, gamma), up(be, beta), sum, out, mean, rstd,
                    rows, cols, 1e-5f);
            return down(be, sum, out, mean, rstd);
        }, 2e-5, 2e-5);
        // Backward from the reference forward's statistics, so both backends see the same mean/rstd.
        Storage mean = REF.allocate(rows), rstd = REF.allocate(rows);
        REF.layernormForward(up(REF, a), up(REF, gamma), up(REF, beta), REF.allocate((long) rows * cols),
                mean, rstd, rows, cols, eps);
        float[] mu = REF.download(mean), rs = REF.download(rstd);
        compare("layernormBackward cols=" + cols, be -> {
            Storage dx = up(be, dx0), dg = up(be, dg0), db = up(be, db0);
            be.layernormBackward(up(be, dout), up(be, a), up(be, gamma), up(be, mu), up(be, rs), dx, dg, db, rows, cols);
            return down(be, dx, dg, db);
        }, 5e-5, 5e-5);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 129})
    void softmax(int T) {
        int B = 2, NH = 3;
        float[] scores = random(23, B * NH * T * T, -6f, 6f);
        float[] mask = new float[B * T];
        for (int j = 0; j < T; j++) mask[T + j] = j >= (T + 1) / 2 ? -Float.MAX_VALUE : 0f;  // pad the second half of item 1
        float[] dprobs = random(24, B * NH * T * T), ds0 = random(25, B * NH * T * T);
        compare("softmaxForward T=" + T, be -> {
            Storage probs = be.allocate((long) B * NH * T * T);
            be.softmaxForward(up(be, scores), up(be, mask), 0.125f, probs, B, NH, T);
            return down(be, probs);
        }, 1e-6, 1e-5);
        float[] probs = REF.download(run(REF, be -> {
            Storage p = be.allocate((long) B * NH * T * T);
            be.softmaxForward(up(be, scores), up(be, mask), 0.125f, p, B, NH, T);
            return p;
        }));
        compare("softmaxBackward T=" + T, be -> {
            Storage ds = up(be, ds0);
            be.softmaxBackward(up(be, probs), up(be, dprobs), ds, 0.125f, B, NH, T);
            return down(be, ds);
        }, 1e-6, 1e-5);
    }

    static Storage run(Backend be, java.util.function.Function<Backend, Storage> f) { return f.apply(be); }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 64})
    void permute(int D) {
        int A = 2, B = 5, C = 3;
        float[] x = random(26, A * B * C * D), out0 = random(27, A * B * C * D);
        compare("permute0213 D=" + D, be -> {
            Storage out = up(be, out0);
            be.permute0213(up(be, x), out, A, B, C, D, false);
            return down(be, out);
        }, 0, 0);
        compare("permute0213 accumulate D=" + D, be -> {
            Storage out = up(be, out0);
            be.permute0213(up(be, x), out, A, B, C, D, true);
            return down(be, out);
        }, 0, 0);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 257})
    void embedding(int H) {
        int V = 11, n = 40;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = (i * 7) % V;      // every id repeats: scatter-add must sum them
        float[] table = random(28, V * H), dout = random(29, n * H), dtable0 = random(30, V * H);
        compare("embeddingForward H=" + H, be -> {
            Storage out = be.allocate((long) n * H);
            be.embeddingForward(ids, up(be, table), out, n, H);
            return down(be, out);
        }, 0, 0);
        compare("embeddingBackward H=" + H, be -> {
            Storage dt = up(be, dtable0);
            be.embeddingBackward(ids, up(be, dout), dt, n, H);
            return down(be, dt);
        }, 1e-6, 1e-6);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 257, 100_003})
    void dropout(int n) {
        float[] x = random(31, n), dx0 = random(32, n);
        for (float p : new float[]{0f, 0.1f, 0.5f, 1f}) {
            compare("dropoutForward n=" + n + " p=" + p, be -> {
                Storage out = be.allocate(n);
                be.dropoutForward(up(be, x), out, n, p, 1234L);
                return down(be, out);
            }, 0, 0);
            compare("dropoutBackward n=" + n + " p=" + p, be -> {
                Storage dx = up(be, dx0);
                be.dropoutBackward(up(be, x), dx, n, p, 1234L);
                return down(be, dx);
            }, 0, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 257, 200_003})
    void optimizer(int n) {
        float[] p = random(33, n), g = random(34, n, -0.1f, 0.1f), m = random(35, n, -0.01f, 0.01f);
        float[] v = random(36, n, 0f, 1e-4f);
        compare("adamwUpdate n=" + n, be -> {
            Storage ps = up(be, p), ms = up(be, m), vs = up(be, v);
            be.adamwUpdate(ps, up(be, g), ms, vs, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f,
                    (float) (1 - Math.pow(0.9, 3)), (float) (1 - Math.pow(0.999, 3)), 1f, false);
            return down(be, ps, ms, vs);
        }, 1e-7, 2e-6);
        compare("adamwUpdate clipped and zeroing n=" + n, be -> {
            Storage ps = up(be, p), gs = up(be, g), ms = up(be, m), vs = up(be, v);
            be.adamwUpdate(ps, gs, ms, vs, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f,
                    (float) (1 - Math.pow(0.9, 3)), (float) (1 - Math.pow(0.999, 3)), 0.37f, true);
            return down(be, ps, gs, ms, vs);
        }, 1e-7, 2e-6);
        compare("sumOfSquares n=" + n, be -> new float[][]{{(float) be.sumOfSquares(up(be, g), n)}}, 0, 1e-6);
    }

    /**
     * Sizes big enough that every kernel cuts its work into several chunks (see {@link Parallel}):
     * the per-chunk partial sums of the reductions must still match the reference.
     */
    @org.junit.jupiter.api.Test
    void chunkedKernelsMatchReference() {
        int rows = 1000, cols = 300;
        float[] x = random(40, rows * cols), dout = random(41, rows * cols), dx0 = random(42, rows * cols);
        float[] bias = random(43, cols), db0 = random(44, cols), gamma = random(45, cols), beta = random(46, cols);
        compare("biasBackward chunked", be -> {
            Storage db = up(be, db0);
            be.biasBackward(up(be, dout), db, rows, cols);
            return down(be, db);
        }, 1e-4, 1e-5);
        compare("biasGeluBackward chunked", be -> {
            Storage dx = up(be, dx0), db = up(be, db0);
            be.biasGeluBackward(up(be, x), up(be, dout), dx, db, rows, cols);
            return down(be, dx, db);
        }, 1e-4, 1e-5);
        Storage mean = REF.allocate(rows), rstd = REF.allocate(rows);
        REF.layernormForward(up(REF, x), up(REF, gamma), up(REF, beta), REF.allocate((long) rows * cols),
                mean, rstd, rows, cols, 1e-12f);
        float[] mu = REF.download(mean), rs = REF.download(rstd);
        compare("layernormBackward chunked", be -> {
            Storage dx = up(be, dx0), dg = up(be, random(47, cols)), db = up(be, db0);
            be.layernormBackward(up(be, dout), up(be, x), up(be, gamma), up(be, mu), up(be, rs), dx, dg, db, rows, cols);
            return down(be, dx, dg, db);
        }, 1e-4, 1e-4);
        int n = 2000, V = 7;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = (i * 3) % V;
        compare("embeddingBackward chunked", be -> {
            Storage dt = up(be, random(48, V * cols));
            be.embeddingBackward(ids, up(be, random(49, n * cols)), dt, n, cols);
            return down(be, dt);
        }, 1e-4, 1e-5);
        int B = 4, NH = 12, T = 33;
        compare("softmaxForward chunked", be -> {
            Storage probs = be.allocate((long) B * NH * T * T);
            be.softmaxForward(up(be, random(50, B * NH * T * T)), up(be, new float[B * T]), 0.125f, probs, B, NH, T);
            return down(be, probs);
        }, 1e-6, 1e-5);
    }

    /**
     * The bits must not change once the JIT compiles a kernel, or two training runs (or a run and its
     * resumption in a fresh process) could differ in the last bit (see {@link VectorMath}). A kernel's
     * first calls in a JVM run interpreted, but in this JVM earlier tests may have compiled every kernel
     * already. So the interpreted side runs in a child JVM with {@code -Xint}, which never compiles
     * anything, and this JVM's side runs after a warm-up long enough for C2 to have compiled them all.
     */
    @org.junit.jupiter.api.Test
    void resultsDoNotChangeOnceTheJitCompiles() throws Exception {
        int threads = 2;
        CpuBackend be = CpuBackend.fast(threads);
        for (int i = 0; i < 3000; i++) KernelFingerprints.outputs(be);
        Map<String, String> compiled = KernelFingerprints.of(be);
        Map<String, String> interpreted = interpretedFingerprints(threads);
        assertEquals(compiled.keySet(), interpreted.keySet(), "the -Xint JVM printed other kernels");
        for (String k : compiled.keySet()) {
            assertEquals(compiled.get(k), interpreted.get(k), k + ": bits differ between C2-compiled and -Xint (interpreted)");
        }
    }

    /** {@link KernelFingerprints#main} run in a child JVM with -Xint: its hashes by name. */
    static Map<String, String> interpretedFingerprints(int threads) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = Files.createTempFile("kernel-fingerprints", ".txt");
        Process p = new ProcessBuilder(java.toString(), "-Xint", "--add-modules=jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), KernelFingerprints.class.getName(), Integer.toString(threads))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        p.destroyForcibly();
        String out = Files.readString(log);
        Files.delete(log);
        assertTrue(done, "the -Xint JVM did not finish in 120 s:\n" + out);
        assertEquals(0, p.exitValue(), out);
        Map<String, String> hashes = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^(.+) ([0-9a-f]{16}/\\d+)$").matcher(out);
        while (m.find()) hashes.put(m.group(1), m.group(2));
        return hashes;
    }
}
