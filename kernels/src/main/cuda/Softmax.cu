// Masked, scaled softmax over the key axis of attention scores (Vaswani et al. 2017, eq. 1; HF
// BertSelfAttention adds the extended attention mask after scaling by 1/sqrt(D)):
//   probs[b,h,i,j] = exp(v_j - max_j v) / sum_j exp(v_j - max_j v),  v_j = scale * scores[b,h,i,j] + mask[b,j]
// mask is additive: 0 for a real token, float32's minimum for padding (as HF; never -inf, so a fully
// padded row stays finite). Backward, per row:
//   dscores += scale * probs * (dprobs - sum_j dprobs_j * probs_j)
// Mirrors jbert.engine.ops.Softmax. Technique: one warp per row of T scores; expf, not __expf.
// Forward reads the row three times (max, sum, write; the second and third from L1). On an H200 it
// runs at 59% of a copy's bandwidth; variants that hold the row in registers, one row or 16 / SLOTS
// rows per warp, ran at 42-50% (bench/RESULTS.md, GPU): what limits it is not yet known.

#include "Warp.cuh"

// scores, probs [B, NH, T, T]; mask [B, T]. Three passes over the row (max, sum, write), recomputing z.
// The write pass multiplies by 1 / sum, one division per row (a correctly rounded division is a
// sequence of about ten instructions; the product is within an ulp of it), and the row's batch index
// is a 32-bit division where the rows fit (a 64-bit one is a software routine).
extern "C" __global__ void softmax_forward_masked_scaled_warp_per_row(const float* scores, const float* mask, float scale,
                                                                      float* probs, int B, int NH, int T) {
    long long row = (blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    long long rows = (long long)B * NH * T;
    if (row >= rows) return;
    long long b = rows <= 0x7fffffffLL ? (int)row / (NH * T) : row / ((long long)NH * T);
    const float* s = scores + row * T;
    const float* mk = mask + b * T;
    float* p = probs + row * T;
    float mx = -3.402823466e+38f;
    for (int j = lane; j < T; j += 32) mx = fmaxf(mx, scale * s[j] + mk[j]);
    mx = warp_max(mx);
    float sum = 0.0f;
    for (int j = lane; j < T; j += 32) sum += expf(scale * s[j] + mk[j] - mx);
    float inv = 1.0f / warp_sum(sum);
    for (int j = lane; j < T; j += 32) p[j] = expf(scale * s[j] + mk[j] - mx) * inv;
}

extern "C" __global__ void softmax_backward_scaled_warp_per_row(const float* probs, const float* dprobs, float* dscores,
                                                                float scale, int B, int NH, int T) {
    long long row = (blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    if (row >= (long long)B * NH * T) return;
    const float* p = probs + row * T;
    const float* dp = dprobs + row * T;
    float* ds = dscores + row * T;
    float dot = 0.0f;
    for (int j = lane; j < T; j += 32) dot += dp[j] * p[j];
    dot = warp_sum(dot);
    for (int j = lane; j < T; j += 32) ds[j] += scale * p[j] * (dp[j] - dot);
}
