// Mean cross-entropy from logits (torch.nn.CrossEntropyLoss, reduction "mean"), N rows of C classes:
//   probs = softmax(logits)  (kept for backward)
//   loss_r = -log probs[r, label_r] = log(sum_j exp(l_j - max)) - (l_label - max)   (log-sum-exp form,
//            accurate even when probs[label] rounds to 1)
// The per-row losses go to the host, which averages them in double. Backward:
//   dlogits += scale * (probs - onehot(label)),  scale = dloss / N
// Labels were checked (0 <= label < C) on the host. Mirrors jbert.engine.ops.CrossEntropy.
// Technique: one warp per row.

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// logits, probs [N, C]; labels [N]; losses [N].
extern "C" __global__ void cross_entropy_forward_warp_per_row(const float* logits, const int* labels, float* probs, float* losses,
                                                              int N, int C) {
    long long row = (blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    if (row >= N) return;
    const float* l = logits + row * C;
    float* p = probs + row * C;
    float mx = -3.402823466e+38f;
    for (int j = lane; j < C; j += 32) mx = fmaxf(mx, l[j]);
    mx = warp_max(mx);
    float sum = 0.0f;
    for (int j = lane; j < C; j += 32) sum += expf(l[j] - mx);
    sum = warp_sum(sum);
    for (int j = lane; j < C; j += 32) p[j] = expf(l[j] - mx) / sum;
    if (lane == 0) losses[row] = logf(sum) - (l[labels[row]] - mx);
}

extern "C" __global__ void cross_entropy_backward_elementwise(const float* probs, const int* labels, float* dlogits,
                                                              float scale, int N, int C) {
    long long n = (long long)N * C;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        long long row = i / C;
        int j = (int)(i % C);
        float onehot = j == labels[row] ? 1.0f : 0.0f;
        dlogits[i] += scale * (probs[i] - onehot);
    }
}
