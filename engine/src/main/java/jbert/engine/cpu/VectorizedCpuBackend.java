package jbert.engine.cpu;

import jbert.engine.Storage;

import static jbert.engine.cpu.CpuStorage.of;

/**
 * The fast CPU backend: {@link CpuBackend} with its hot kernels replaced by Vector API
 * ({@code jdk.incubator.vector}) implementations that run on this backend's own {@link Parallel} pool of
 * threads. Kernels not overridden here (tanh, the [CLS] slice, cross-entropy: a few hundred elements per
 * step) run their {@link ReferenceKernels} version.
 *
 * <p>The kernels are static functions that take the pool as their first argument, rather than objects
 * holding it: they then read like the {@link ReferenceKernels} they are tested against (inputs in,
 * outputs out, no state), and the pool lives in one place, the final field below, so that each call
 * costs one field read and no allocation beyond what the kernel itself makes.
 *
 * <p>Every kernel splits its work the same way for a given thread count and sums across chunks in
 * chunk order, so a run is bitwise reproducible for that thread count.
 */
final class VectorizedCpuBackend extends CpuBackend {
    /** The threads every kernel of this backend runs on. */
    private final Parallel parallel;
    /** The matrix product compiled for this backend's {@link GemmPlan}. */
    private final GemmKernel gemm;

    /**
     * The fast backend on {@code threads} threads, its products following {@code plan}; made once per
     * count and plan, by {@link CpuBackend#fast(int, GemmPlan)}.
     */
    VectorizedCpuBackend(int threads, GemmPlan plan) {
        super(false);
        this.parallel = new Parallel(threads);
        this.gemm = PackedGemm.compile(plan);
    }

    @Override
    public int threads() { return parallel.threads(); }

    /** The plan this backend's matrix products follow. */
    GemmPlan gemmPlan() { return gemm.plan(); }

    @Override
    public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, Storage A, Storage B, float beta, Storage C) {
        checkMatmul(batch, M, N, K, A, B, C);
        PackedGemm.matmul(parallel, gemm, transA, transB, batch, M, N, K, alpha, of(A), of(B), beta, of(C));
    }

    @Override
    public void add(Storage a, Storage b, Storage out, long n) {
        VectorElementwise.add(parallel, of(a), of(b), of(out), checkedSize(n, "add"));
    }

    @Override
    public void axpy(float alpha, Storage x, Storage y, long n) {
        VectorElementwise.axpy(parallel, alpha, of(x), of(y), checkedSize(n, "axpy"));
    }

    @Override
    public void scale(float alpha, Storage x, Storage out, long n) {
        VectorElementwise.scale(parallel, alpha, of(x), of(out), checkedSize(n, "scale"));
    }

    @Override
    public void biasForward(Storage x, Storage bias, Storage out, int rows, int cols) {
        VectorElementwise.biasForward(parallel, of(x), of(bias), of(out), rows, cols);
    }

    @Override
    public void biasBackward(Storage dout, Storage dbias, int rows, int cols) {
        VectorElementwise.biasBackward(parallel, of(dout), of(dbias), rows, cols);
    }

    @Override
    public void geluForward(Storage x, Storage out, long n) {
        VectorGelu.forward(parallel, of(x), of(out), checkedSize(n, "geluForward"));
    }

    @Override
    public void geluBackward(Storage x, Storage dout, Storage dx, long n) {
        VectorGelu.backward(parallel, of(x), of(dout), of(dx), checkedSize(n, "geluBackward"));
    }

    @Override
    public void biasGeluForward(Storage x, Storage bias, Storage pre, Storage out, int rows, int cols) {
        VectorGelu.biasForward(parallel, of(x), of(bias), of(pre), of(out), rows, cols);
    }

    @Override
    public void biasGeluBackward(Storage pre, Storage dout, Storage dx, Storage dbias, int rows, int cols) {
        VectorGelu.biasBackward(parallel, of(pre), of(dout), of(dx), of(dbias), rows, cols);
    }

    @Override
    public void layernormForward(Storage x, Storage gamma, Storage beta, Storage out,
                                 Storage mean, Storage rstd, int rows, int cols, float eps) {
        VectorLayerNorm.forward(parallel, of(x), of(gamma), of(beta), of(out), of(mean), of(rstd), rows, cols, eps);
    }

    @Override
    public void layernormBackward(Storage dout, Storage x, Storage gamma, Storage mean, Storage rstd,
                                  Storage dx, Storage dgamma, Storage dbeta, int rows, int cols) {
        VectorLayerNorm.backward(parallel, of(dout), of(x), of(gamma), of(mean), of(rstd), of(dx), of(dgamma), of(dbeta),
                rows, cols);
    }

    @Override
    public void residualLayernormForward(Storage a, Storage b, Storage gamma, Storage beta, Storage sum,
                                         Storage out, Storage mean, Storage rstd, int rows, int cols, float eps) {
        VectorLayerNorm.residualForward(parallel, of(a), of(b), of(gamma), of(beta), of(sum), of(out),
                of(mean), of(rstd), rows, cols, eps);
    }

    @Override
    public void softmaxForward(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T) {
        VectorSoftmax.forward(parallel, of(scores), of(mask), scale, of(probs), B, NH, T);
    }

    @Override
    public void softmaxBackward(Storage probs, Storage dprobs, Storage dscores, float scale, int B, int NH, int T) {
        VectorSoftmax.backward(parallel, of(probs), of(dprobs), of(dscores), scale, B, NH, T);
    }

    @Override
    public void permute0213(Storage x, Storage out, int A, int B, int C, int D, boolean accumulate) {
        VectorElementwise.permute0213(parallel, of(x), of(out), A, B, C, D, accumulate);
    }

    @Override
    public void embeddingForward(int[] ids, Storage table, Storage out, int n, int H) {
        VectorElementwise.embeddingForward(parallel, ids, of(table), rows(table, H), of(out), n, H);
    }

    @Override
    public void embeddingBackward(int[] ids, Storage dout, Storage dtable, int n, int H) {
        VectorElementwise.embeddingBackward(parallel, ids, of(dout), of(dtable), rows(dtable, H), n, H);
    }

    @Override
    public void dropoutForward(Storage x, Storage out, long n, float p, long seed) {
        VectorElementwise.dropoutForward(parallel, of(x), of(out), checkedSize(n, "dropoutForward"), p, seed);
    }

    @Override
    public void dropoutBackward(Storage dout, Storage dx, long n, float p, long seed) {
        VectorElementwise.dropoutBackward(parallel, of(dout), of(dx), checkedSize(n, "dropoutBackward"), p, seed);
    }

    @Override
    public double sumOfSquares(Storage x, long n) {
        return FusedAdamW.sumOfSquares(parallel, of(x), checkedSize(n, "sumOfSquares"));
    }

    @Override
    public void adamwUpdate(Storage param, Storage grad, Storage m, Storage v, long n,
                            float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2, float gradScale, boolean zeroGrad) {
        FusedAdamW.update(parallel, of(param), of(grad), of(m), of(v), checkedSize(n, "adamwUpdate"),
                lr, beta1, beta2, eps, weightDecay, bc1, bc2, gradScale, zeroGrad);
    }
}
