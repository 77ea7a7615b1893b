package jbert.engine;

/**
 * The kernels a device must provide to run BERT forward and backward, plus memory management.
 *
 * <p>Every op class in {@code jbert.engine.ops} computes through these methods and nothing else, so
 * the same model code runs on the CPU ({@code jbert.engine.cpu.CpuBackend}) and on the GPU
 * (the CUDA backend in the {@code kernels} module, found at run time with {@link java.util.ServiceLoader}).
 *
 * <p>Conventions, shared by all methods:
 * <ul>
 *   <li>All tensors are float32, row-major and contiguous; sizes are element counts.</li>
 *   <li>Methods named {@code *Backward} <b>accumulate</b> into their gradient outputs ({@code +=}); the
 *       optimizer zeroes gradients. Forward methods overwrite their outputs.</li>
 *   <li>Integer inputs (token ids, labels) come as host {@code int[]}: they are the batch, the one thing
 *       besides scalars that crosses between host and device.</li>
 * </ul>
 *
 * <p>Dimension legend (used in every comment of the engine): B batch, T tokens, H hidden, NH heads,
 * D head size (H/NH), I intermediate, V vocab, C classes, N rows (= B*T or B), K inner dimension.
 */
public interface Backend {

    /** A short name: "cpu" or "cuda". */
    String name();

    // ---- memory -------------------------------------------------------------------------------

    /** A new zero-filled storage of {@code n} floats. */
    Storage allocate(long n);

    /**
     * A new storage of {@code n} floats whose contents are undefined: for an op's output that its
     * forward kernel overwrites whole, so that memory is not cleared only to be written again.
     * The reference CPU backend fills it with NaN: a kernel that leaves an element unwritten then
     * shows up in every test that runs on it.
     */
    Storage allocateUninitialised(long n);

    /** Gives a storage back to the backend's allocator. Using it afterwards is an error. */
    void release(Storage s);

    /** Copies {@code host} into a new storage. */
    Storage upload(float[] host);

    /** Copies {@code host} over the first {@code host.length} elements of {@code dst}. */
    void upload(float[] host, Storage dst);

    /** Copies a storage to a new host array. */
    float[] download(Storage s);

    /** dst[0..n) = src[0..n). */
    void copy(Storage src, Storage dst, long n);

    /** s[0..n) = value. */
    void fill(Storage s, float value);

    /** Waits until queued work is done (a no-op on the CPU). */
    default void synchronize() {}

    /**
     * Runs one training step, {@code body}, and returns what it returns. A backend may record the
     * device work a step of this {@code shape} issues and replay it on later steps of the same shape
     * (the CUDA backend's graphs, where launching ~2,000 kernels one by one costs more than running
     * them); it checks every call against the recording, so a step that differs still computes what
     * it asks for. Steps of one shape should make the same calls ({@link jbert.engine.train.TrainStep}
     * does). The CPU just runs it.
     */
    default <R> R trainingStep(BatchShape shape, java.util.function.Supplier<R> body) {
        return body.get();
    }

    // ---- linear algebra -----------------------------------------------------------------------

    /**
     * Batched matrix product, row-major: for each b in [0, batch),
     * {@code C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b]}, where op(X) is X or its transpose.
     * C[b] is [M, N]; op(A[b]) is [M, K]; op(B[b]) is [K, N]. A[b] starts at b*M*K, B[b] at b*K*N,
     * C[b] at b*M*N. {@code beta = 1} accumulates (how backward uses it).
     */
    void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                float alpha, Storage A, Storage B, float beta, Storage C);

    // ---- elementwise ----------------------------------------------------------------------------

    /** out = a + b, n elements. */
    void add(Storage a, Storage b, Storage out, long n);

    /** y += alpha * x, n elements (gradient accumulation). */
    void axpy(float alpha, Storage x, Storage y, long n);

    /** out = alpha * x, n elements ({@code out} may be {@code x}). */
    void scale(float alpha, Storage x, Storage out, long n);

    /** out[r, c] = x[r, c] + bias[c]; x and out are [rows, cols]. */
    void biasForward(Storage x, Storage bias, Storage out, int rows, int cols);

    /** dbias[c] += sum over r of dout[r, c]. */
    void biasBackward(Storage dout, Storage dbias, int rows, int cols);

    /** out = gelu(x) = x * Phi(x) with the exact erf, n elements. */
    void geluForward(Storage x, Storage out, long n);

    /** dx += dout * gelu'(x), gelu'(x) = Phi(x) + x * phi(x). */
    void geluBackward(Storage x, Storage dout, Storage dx, long n);

    /**
     * Fused: pre = x + bias (kept for backward), out = gelu(pre); [rows, cols]. {@code pre} may be the
     * same storage as {@code out} (inference keeps nothing), so compute each element's out from the
     * value of pre just written, elementwise. {@code pre} may also be {@code x} (GeluLinear writes pre
     * over the dense product it is given).
     */
    void biasGeluForward(Storage x, Storage bias, Storage pre, Storage out, int rows, int cols);

    /** Fused: g = dout * gelu'(pre); dx += g; dbias += column sums of g. */
    void biasGeluBackward(Storage pre, Storage dout, Storage dx, Storage dbias, int rows, int cols);

    /** out = tanh(x). */
    void tanhForward(Storage x, Storage out, long n);

    /** dx += dout * (1 - y^2), where y = tanh(x) is the forward output. */
    void tanhBackward(Storage y, Storage dout, Storage dx, long n);

    // ---- normalisation --------------------------------------------------------------------------

    /**
     * LayerNorm over the last dimension of x [rows, cols]: out = (x - mean) * rstd * gamma + beta,
     * rstd = 1 / sqrt(var + eps) with the biased variance. Writes mean [rows] and rstd [rows].
     */
    void layernormForward(Storage x, Storage gamma, Storage beta, Storage out,
                          Storage mean, Storage rstd, int rows, int cols, float eps);

    /** Accumulates dx, dgamma, dbeta from dout, using the mean and rstd kept by forward. */
    void layernormBackward(Storage dout, Storage x, Storage gamma, Storage mean, Storage rstd,
                           Storage dx, Storage dgamma, Storage dbeta, int rows, int cols);

    /**
     * Fused residual + LayerNorm (BERT's post-LN "Add &amp; Norm"): sum = a + b (kept for backward),
     * then LayerNorm of sum as {@link #layernormForward}.
     */
    void residualLayernormForward(Storage a, Storage b, Storage gamma, Storage beta, Storage sum,
                                  Storage out, Storage mean, Storage rstd, int rows, int cols, float eps);

    // ---- attention ------------------------------------------------------------------------------

    /**
     * Masked softmax over the key axis: probs[b,h,i,:] = softmax(scale * scores[b,h,i,:] + mask[b,:]).
     * scores and probs are [B, NH, T, T]; mask is [B, T], additive (0 for a real token, the float32
     * minimum for padding, as HF does). {@code probs} may be {@code scores} (softmax in place).
     */
    void softmaxForward(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T);

    /** dscores += scale * probs * (dprobs - sum_j dprobs_j * probs_j), row by row. */
    void softmaxBackward(Storage probs, Storage dprobs, Storage dscores, float scale, int B, int NH, int T);

    /**
     * Swaps the two middle axes: x [A, B, C, D] becomes out [A, C, B, D]. Splits heads
     * ([B, T, NH, D] to [B, NH, T, D]) and merges them back. With {@code accumulate}, out += instead
     * of out =, which is how backward uses it (the permute is its own inverse on swapped sizes).
     */
    void permute0213(Storage x, Storage out, int A, int B, int C, int D, boolean accumulate);

    /** out[b, :] = x[b, index, :] for x [B, T, H] (the [CLS] row when index is 0). */
    void selectToken(Storage x, Storage out, int B, int T, int H, int index);

    /** dx[b, index, :] += dout[b, :]. */
    void selectTokenBackward(Storage dout, Storage dx, int B, int T, int H, int index);

    // ---- embeddings, dropout, loss ----------------------------------------------------------------

    /** out[i, :] = table[ids[i], :], out [n, H]. */
    void embeddingForward(int[] ids, Storage table, Storage out, int n, int H);

    /**
     * dtable[ids[i], :] += dout[i, :] (scatter-add: a token repeated in the batch adds up). Rows whose id
     * is negative are skipped: the Embedding op marks padding_idx rows that way, because PyTorch's
     * nn.Embedding(padding_idx=...) never updates the padding row.
     */
    void embeddingBackward(int[] ids, Storage dout, Storage dtable, int n, int H);

    /**
     * Inverted dropout: out[i] = x[i] / (1 - p) where {@link Rng#uniform}(seed, i) &gt;= p, else 0.
     * The mask is never stored: backward regenerates it from the same seed (counter-based RNG), so the
     * CPU and GPU drop the same elements. {@code out} may be {@code x} (dropout in place).
     */
    void dropoutForward(Storage x, Storage out, long n, float p, long seed);

    /** dx += dout * mask / (1 - p), mask regenerated from seed. */
    void dropoutBackward(Storage dout, Storage dx, long n, float p, long seed);

    /**
     * Cross-entropy from logits [N, C] with integer labels: writes probs = softmax(logits) (kept for
     * backward) and returns the mean over rows of -log p[label]. Returns a double: the loss crosses to
     * the host.
     */
    double crossEntropyForward(Storage logits, int[] labels, Storage probs, int N, int C);

    /** dlogits += scale * (probs - onehot(labels)), where scale = dloss / N. */
    void crossEntropyBackward(Storage probs, int[] labels, Storage dlogits, float scale, int N, int C);

    // ---- optimizer ----------------------------------------------------------------------------

    /** Sum of squares of x[0..n), in double (for the global gradient norm). */
    double sumOfSquares(Storage x, long n);

    /**
     * One fused AdamW step as torch.optim.AdamW, over n elements, with g = grad * gradScale (a float
     * product, as if {@link #scale} had clipped the gradient first; 1 leaves it as is):
     * p -= lr*wd*p (decoupled decay, first); m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
     * p -= lr * (m / bc1) / (sqrt(v / bc2) + eps), where bc1 = 1 - b1^t and bc2 = 1 - b2^t.
     * With zeroGrad, grad = 0 afterwards (the optimizer's zero_grad). Clipping's scale rides on the
     * pass AdamW makes over the gradient anyway, on every backend. Where the zeroing happens is the
     * backend's: the CPU backends write each zero in that same pass, once the element is read; the
     * CUDA backend zeroes with a separate fill pass over the same gradients after the update, which
     * streams faster there than one kernel doing both (its AdamW.cu says by how much).
     */
    void adamwUpdate(Storage param, Storage grad, Storage m, Storage v, long n,
                     float lr, float beta1, float beta2, float eps, float weightDecay,
                     float bc1, float bc2, float gradScale, boolean zeroGrad);

    // ---- multi-tensor forms: the optimizer's passes over every parameter at once ------------------
    // Same results as the single-tensor methods called tensor by tensor (these defaults do exactly
    // that); a GPU backend overrides them with one launch for the whole list instead of one per tensor.

    /** The sum over i of {@link #sumOfSquares(Storage, long) sumOfSquares}(xs[i], ns[i]). */
    default double sumOfSquares(Storage[] xs, long[] ns) {
        double sum = 0;
        for (int i = 0; i < xs.length; i++) sum += sumOfSquares(xs[i], ns[i]);
        return sum;
    }

    /** xs[i][0..ns[i]) *= alpha for every i, in place. */
    default void scale(float alpha, Storage[] xs, long[] ns) {
        for (int i = 0; i < xs.length; i++) scale(alpha, xs[i], xs[i], ns[i]);
    }

    /** Every storage of xs = value. */
    default void fill(Storage[] xs, float value) {
        for (Storage x : xs) fill(x, value);
    }

    /**
     * {@link #adamwUpdate(Storage, Storage, Storage, Storage, long, float, float, float, float, float, float, float, float, boolean)
     * adamwUpdate} of tensor i (params[i], grads[i], ms[i], vs[i], ns[i] elements) with weight decay
     * weightDecays[i], for every i.
     */
    default void adamwUpdate(Storage[] params, Storage[] grads, Storage[] ms, Storage[] vs, long[] ns,
                             float lr, float beta1, float beta2, float eps, float[] weightDecays,
                             float bc1, float bc2, float gradScale, boolean zeroGrad) {
        for (int i = 0; i < params.length; i++) {
            adamwUpdate(params[i], grads[i], ms[i], vs[i], ns[i], lr, beta1, beta2, eps, weightDecays[i], bc1, bc2,
                    gradScale, zeroGrad);
        }
    }
}
