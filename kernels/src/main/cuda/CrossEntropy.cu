// Mean cross-entropy from logits (torch.nn.CrossEntropyLoss, reduction "mean"), N rows of C classes:
//   probs = softmax(logits)  (kept for backward)
//   loss_r = -log probs[r, label_r] = max + log(sum_j exp(l_j - max)) - l_label   (log-sum-exp form,
//            accurate even when probs[label] rounds to 1)
// Computed in double like the CPU reference (C is small: the arithmetic is free); the per-row losses
// go to the host, which averages them. Backward:
//   dlogits += scale * (probs - onehot(label)),  scale = dloss / N
// Labels were checked (0 <= label < C) on the host. Mirrors jbert.engine.ops.CrossEntropy.
// Technique: one warp per row.

#include "Warp.cuh"

// logits, probs [N, C]; labels [N]; losses [N] (double).
extern "C" __global__ void cross_entropy_forward_warp_per_row(const float* logits, const int* labels, float* probs, double* losses,
                                                              int N, int C) {
    long long row = (blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    if (row >= N) return;
    const float* l = logits + row * C;
    float* p = probs + row * C;
    double mx = -1.7976931348623157e+308;
    for (int j = lane; j < C; j += 32) mx = fmax(mx, (double)l[j]);
    mx = warp_max(mx);
    double sum = 0.0;
    for (int j = lane; j < C; j += 32) sum += exp((double)l[j] - mx);
    sum = warp_sum(sum);
    for (int j = lane; j < C; j += 32) p[j] = (float)(exp((double)l[j] - mx) / sum);
    if (lane == 0) losses[row] = mx + log(sum) - (double)l[labels[row]];
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
