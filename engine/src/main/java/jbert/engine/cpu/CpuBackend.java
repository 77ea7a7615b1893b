package jbert.engine.cpu;

import jbert.engine.Backend;
import jbert.engine.Storage;

import java.util.concurrent.ConcurrentHashMap;

import static jbert.engine.cpu.CpuStorage.of;

/**
 * The CPU backend. This class holds the memory side (arrays from a reuse pool) and runs every kernel
 * through {@link ReferenceKernels}; {@link #reference()} is exactly that, the whole model on the plain
 * scalar loops. {@link #fast}(n), the backend everybody uses, is a {@link VectorizedCpuBackend}: the
 * same class with the hot kernels overridden by vectorised ones running on its own pool of n threads
 * ({@link #INSTANCE} is it on every core). The choice is made once, by which object you hold; no kernel
 * asks "which ISA am I on" or "how many threads", and nothing here reads a system property.
 */
public class CpuBackend implements Backend {

    /**
     * The fast backends made so far, one per thread count and GEMM plan: each owns a pool of threads that
     * is never closed (and its own {@link ArrayPool}), so a pair is made once and handed out again.
     */
    private static final ConcurrentHashMap<FastKey, CpuBackend> FAST = new ConcurrentHashMap<>();

    private record FastKey(int threads, GemmPlan plan) {}

    /** The fast CPU backend on every core: the default when no thread count is asked for. */
    public static final CpuBackend INSTANCE = fast(Runtime.getRuntime().availableProcessors());

    private static final CpuBackend REFERENCE = new CpuBackend(true);

    /**
     * The fast CPU backend (Vector API kernels) on a fixed pool of {@code threads} threads, the caller's
     * included, with this machine's GEMM plan ({@link GemmPlan#forThisMachine()}). Made on the first call
     * for that count and the same object on every later one, so asking again never starts more threads.
     * A count below 1 is an error.
     */
    public static CpuBackend fast(int threads) {
        return fast(threads, GemmPlan.forThisMachine());
    }

    /**
     * The fast CPU backend on {@code threads} threads whose matrix products follow {@code plan}: for
     * tests and benchmarks that force a plan. One object per (count, plan), as {@link #fast(int)}; a plan
     * this machine cannot run (wider vectors than it has) is an error naming it.
     */
    public static CpuBackend fast(int threads, GemmPlan plan) {
        return FAST.computeIfAbsent(new FastKey(threads, plan), k -> new VectorizedCpuBackend(k.threads(), k.plan()));
    }

    /** The CPU backend that runs only the scalar reference kernels: the baseline for tests and benchmarks. */
    public static CpuBackend reference() { return REFERENCE; }

    private final ArrayPool pool = new ArrayPool(ArrayPool.defaultCapacityFloats());
    /** Whether {@link #allocateUninitialised} fills with NaN (the reference backend: unwritten outputs show). */
    private final boolean poisonUninitialised;

    CpuBackend(boolean poisonUninitialised) { this.poisonUninitialised = poisonUninitialised; }

    @Override
    public String name() { return "cpu"; }

    /** Threads this backend's kernels run on: 1 for the reference kernels (the calling thread). */
    public int threads() { return 1; }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public Storage allocate(long n) {
        int size = checkedSize(n, "allocate");
        return new CpuStorage(pool.take(size), size);
    }

    @Override
    public Storage allocateUninitialised(long n) {
        int size = checkedSize(n, "allocateUninitialised");
        float[] a = pool.takeUninitialised(size);
        if (poisonUninitialised) java.util.Arrays.fill(a, Float.NaN);
        return new CpuStorage(a, size);
    }

    @Override
    public void release(Storage s) {
        if (!(s instanceof CpuStorage c)) { of(s); return; }
        pool.give(c.detach());
    }

    @Override
    public Storage upload(float[] host) {
        float[] a = pool.takeUninitialised(host.length);
        System.arraycopy(host, 0, a, 0, host.length);
        return new CpuStorage(a, host.length);
    }

    @Override
    public void upload(float[] host, Storage dst) {
        float[] d = of(dst);
        if (host.length > dst.size()) {
            throw new IllegalArgumentException("upload: " + host.length + " floats into a storage of " + dst.size());
        }
        System.arraycopy(host, 0, d, 0, host.length);
    }

    @Override
    public float[] download(Storage s) { return java.util.Arrays.copyOf(of(s), (int) s.size()); }

    @Override
    public void copy(Storage src, Storage dst, long n) {
        System.arraycopy(at(src, n, "copy", "src"), 0, at(dst, n, "copy", "dst"), 0, checkedSize(n, "copy"));
    }

    @Override
    public void fill(Storage s, float value) { java.util.Arrays.fill(of(s), 0, (int) s.size(), value); }

    /** Arrays pooled for reuse right now, in floats (for tests and memory reports). */
    public long pooledFloats() { return pool.pooledFloats(); }

    static int checkedSize(long n, String op) {
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": " + n + " floats do not fit one Java array");
        }
        return (int) n;
    }

    /** Throws unless storage {@code s} (named {@code what}) holds at least {@code n} floats. */
    static float[] at(Storage s, long n, String op, String what) {
        float[] a = of(s);
        if (s.size() < n) {
            throw new IllegalArgumentException(op + ": " + what + " holds " + s.size() + " floats, needs " + n);
        }
        return a;
    }

    /** Rows of H floats in a table's storage (its size, not its array: a pooled array may be longer). */
    static int rows(Storage table, int H) { return H == 0 ? 0 : (int) (table.size() / H); }

    // ---- linear algebra -----------------------------------------------------------------------

    @Override
    public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, Storage A, Storage B, float beta, Storage C) {
        checkMatmul(batch, M, N, K, A, B, C);
        ReferenceKernels.matmul(transA, transB, batch, M, N, K, alpha, of(A), of(B), beta, of(C));
    }

    static void checkMatmul(int batch, int M, int N, int K, Storage A, Storage B, Storage C) {
        if (batch < 0 || M < 0 || N < 0 || K < 0) {
            throw new IllegalArgumentException("matmul: negative size batch=" + batch + " M=" + M + " N=" + N + " K=" + K);
        }
        String shapes = " for batch=" + batch + " M=" + M + " N=" + N + " K=" + K;
        at(A, (long) batch * M * K, "matmul", "A" + shapes);
        at(B, (long) batch * K * N, "matmul", "B" + shapes);
        at(C, (long) batch * M * N, "matmul", "C" + shapes);
    }

    // ---- elementwise ----------------------------------------------------------------------------

    @Override
    public void add(Storage a, Storage b, Storage out, long n) {
        ReferenceKernels.add(of(a), of(b), of(out), checkedSize(n, "add"));
    }

    @Override
    public void axpy(float alpha, Storage x, Storage y, long n) {
        ReferenceKernels.axpy(alpha, of(x), of(y), checkedSize(n, "axpy"));
    }

    @Override
    public void scale(float alpha, Storage x, Storage out, long n) {
        ReferenceKernels.scale(alpha, of(x), of(out), checkedSize(n, "scale"));
    }

    @Override
    public void biasForward(Storage x, Storage bias, Storage out, int rows, int cols) {
        ReferenceKernels.biasForward(of(x), of(bias), of(out), rows, cols);
    }

    @Override
    public void biasBackward(Storage dout, Storage dbias, int rows, int cols) {
        ReferenceKernels.biasBackward(of(dout), of(dbias), rows, cols);
    }

    @Override
    public void geluForward(Storage x, Storage out, long n) {
        ReferenceKernels.geluForward(of(x), of(out), checkedSize(n, "geluForward"));
    }

    @Override
    public void geluBackward(Storage x, Storage dout, Storage dx, long n) {
        ReferenceKernels.geluBackward(of(x), of(dout), of(dx), checkedSize(n, "geluBackward"));
    }

    @Override
    public void biasGeluForward(Storage x, Storage bias, Storage pre, Storage out, int rows, int cols) {
        ReferenceKernels.biasGeluForward(of(x), of(bias), of(pre), of(out), rows, cols);
    }

    @Override
    public void biasGeluBackward(Storage pre, Storage dout, Storage dx, Storage dbias, int rows, int cols) {
        ReferenceKernels.biasGeluBackward(of(pre), of(dout), of(dx), of(dbias), rows, cols);
    }

    @Override
    public void tanhForward(Storage x, Storage out, long n) {
        ReferenceKernels.tanhForward(of(x), of(out), checkedSize(n, "tanhForward"));
    }

    @Override
    public void tanhBackward(Storage y, Storage dout, Storage dx, long n) {
        ReferenceKernels.tanhBackward(of(y), of(dout), of(dx), checkedSize(n, "tanhBackward"));
    }

    // ---- normalisation --------------------------------------------------------------------------

    @Override
    public void layernormForward(Storage x, Storage gamma, Storage beta, Storage out,
                                 Storage mean, Storage rstd, int rows, int cols, float eps) {
        ReferenceKernels.layernormForward(of(x), of(gamma), of(beta), of(out), of(mean), of(rstd), rows, cols, eps);
    }

    @Override
    public void layernormBackward(Storage dout, Storage x, Storage gamma, Storage mean, Storage rstd,
                                  Storage dx, Storage dgamma, Storage dbeta, int rows, int cols) {
        ReferenceKernels.layernormBackward(of(dout), of(x), of(gamma), of(mean), of(rstd),
                of(dx), of(dgamma), of(dbeta), rows, cols);
    }

    @Override
    public void residualLayernormForward(Storage a, Storage b, Storage gamma, Storage beta, Storage sum,
                                         Storage out, Storage mean, Storage rstd, int rows, int cols, float eps) {
        ReferenceKernels.residualLayernormForward(of(a), of(b), of(gamma), of(beta), of(sum), of(out),
                of(mean), of(rstd), rows, cols, eps);
    }

    // ---- attention ------------------------------------------------------------------------------

    @Override
    public void softmaxForward(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T) {
        ReferenceKernels.softmaxForward(of(scores), of(mask), scale, of(probs), B, NH, T);
    }

    @Override
    public void softmaxBackward(Storage probs, Storage dprobs, Storage dscores, float scale, int B, int NH, int T) {
        ReferenceKernels.softmaxBackward(of(probs), of(dprobs), of(dscores), scale, B, NH, T);
    }

    @Override
    public void permute0213(Storage x, Storage out, int A, int B, int C, int D, boolean accumulate) {
        ReferenceKernels.permute0213(of(x), of(out), A, B, C, D, accumulate);
    }

    @Override
    public void selectToken(Storage x, Storage out, int B, int T, int H, int index) {
        ReferenceKernels.selectToken(of(x), of(out), B, T, H, index);
    }

    @Override
    public void selectTokenBackward(Storage dout, Storage dx, int B, int T, int H, int index) {
        ReferenceKernels.selectTokenBackward(of(dout), of(dx), B, T, H, index);
    }

    // ---- embeddings, dropout, loss ----------------------------------------------------------------

    @Override
    public void embeddingForward(int[] ids, Storage table, Storage out, int n, int H) {
        ReferenceKernels.embeddingForward(ids, of(table), rows(table, H), of(out), n, H);
    }

    @Override
    public void embeddingBackward(int[] ids, Storage dout, Storage dtable, int n, int H) {
        ReferenceKernels.embeddingBackward(ids, of(dout), of(dtable), rows(dtable, H), n, H);
    }

    @Override
    public void dropoutForward(Storage x, Storage out, long n, float p, long seed) {
        ReferenceKernels.dropoutForward(of(x), of(out), checkedSize(n, "dropoutForward"), p, seed);
    }

    @Override
    public void dropoutBackward(Storage dout, Storage dx, long n, float p, long seed) {
        ReferenceKernels.dropoutBackward(of(dout), of(dx), checkedSize(n, "dropoutBackward"), p, seed);
    }

    @Override
    public double crossEntropyForward(Storage logits, int[] labels, Storage probs, int N, int C) {
        return ReferenceKernels.crossEntropyForward(of(logits), labels, of(probs), N, C);
    }

    @Override
    public void crossEntropyBackward(Storage probs, int[] labels, Storage dlogits, float scale, int N, int C) {
        ReferenceKernels.crossEntropyBackward(of(probs), labels, of(dlogits), scale, N, C);
    }

    // ---- optimizer ----------------------------------------------------------------------------

    @Override
    public double sumOfSquares(Storage x, long n) {
        return ReferenceKernels.sumOfSquares(of(x), checkedSize(n, "sumOfSquares"));
    }

    @Override
    public void adamwUpdate(Storage param, Storage grad, Storage m, Storage v, long n,
                            float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2, float gradScale, boolean zeroGrad) {
        ReferenceKernels.adamwUpdate(of(param), of(grad), of(m), of(v), checkedSize(n, "adamwUpdate"),
                lr, beta1, beta2, eps, weightDecay, bc1, bc2, gradScale, zeroGrad);
    }
}
