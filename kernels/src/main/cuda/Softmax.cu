// Masked, scaled softmax over the key axis of attention scores (Vaswani et al. 2017, eq. 1; HF
// BertSelfAttention adds the extended attention mask after scaling by 1/sqrt(D)):
//   probs[b,h,i,j] = exp(v_j - max_j v) / sum_j exp(v_j - max_j v),  v_j = scale * scores[b,h,i,j] + mask[b,j]
// mask is additive: 0 for a real token, float32's minimum for padding (as HF; never -inf, so a fully
// padded row stays finite). Backward, per row:
//   dscores += scale * probs * (dprobs - sum_j dprobs_j * probs_j)
// Mirrors jbert.engine.ops.Softmax. Technique: one warp per row of T scores; expf, not __expf.
// Forward has two kernels: for T <= SOFTMAX_REGISTER_ROW (BERT's whole range: 512 positions) the row
// is held in registers, so scores and mask are read once and each exp computed once, and all of a
// lane's loads are in flight together; longer rows stream through three passes.

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

#define SOFTMAX_REGISTER_ROW 512
#define SOFTMAX_PER_LANE (SOFTMAX_REGISTER_ROW / 32)

// scores, probs [B, NH, T, T]; mask [B, T]; T <= SOFTMAX_REGISTER_ROW. Lane l holds elements
// j = l + 32 k of its row in z[k], k < SOFTMAX_PER_LANE: the loops unroll, so z stays in registers.
// The loads are predicated on j < T (all in flight at once; slots past T hold float's lowest value);
// the exp and write loops stop at the row's last slot (a warp-uniform exit), so a row of 128 computes
// 4 exps per lane, not 16 (the first version computed all 16 and ran at half a copy's bandwidth).
extern "C" __global__ void softmax_forward_masked_scaled_row_in_registers(const float* scores, const float* mask, float scale,
                                                                         float* probs, int B, int NH, int T) {
    long long row = (blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    if (row >= (long long)B * NH * T) return;
    long long b = row / ((long long)NH * T);
    const float* s = scores + row * T;
    const float* mk = mask + b * T;
    float* p = probs + row * T;
    int slots = (T + 31) / 32;           // k < slots holds part of the row
    float z[SOFTMAX_PER_LANE];
    float mx = -3.402823466e+38f;
#pragma unroll
    for (int k = 0; k < SOFTMAX_PER_LANE; k++) {
        int j = lane + 32 * k;
        z[k] = j < T ? scale * s[j] + mk[j] : -3.402823466e+38f;
        mx = fmaxf(mx, z[k]);
    }
    mx = warp_max(mx);
    float sum = 0.0f;
#pragma unroll
    for (int k = 0; k < SOFTMAX_PER_LANE; k++) {
        if (k >= slots) break;
        z[k] = lane + 32 * k < T ? expf(z[k] - mx) : 0.0f;
        sum += z[k];
    }
    sum = warp_sum(sum);
#pragma unroll
    for (int k = 0; k < SOFTMAX_PER_LANE; k++) {
        if (k >= slots) break;
        int j = lane + 32 * k;
        if (j < T) p[j] = z[k] / sum;
    }
}

// The same for any T: three passes over the row (max, sum, write), recomputing z each time.
extern "C" __global__ void softmax_forward_masked_scaled_warp_per_row(const float* scores, const float* mask, float scale,
                                                                      float* probs, int B, int NH, int T) {
    long long row = (blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    if (row >= (long long)B * NH * T) return;
    long long b = row / ((long long)NH * T);
    const float* s = scores + row * T;
    const float* mk = mask + b * T;
    float* p = probs + row * T;
    float mx = -3.402823466e+38f;
    for (int j = lane; j < T; j += 32) mx = fmaxf(mx, scale * s[j] + mk[j]);
    mx = warp_max(mx);
    float sum = 0.0f;
    for (int j = lane; j < T; j += 32) sum += expf(scale * s[j] + mk[j] - mx);
    sum = warp_sum(sum);
    for (int j = lane; j < T; j += 32) p[j] = expf(scale * s[j] + mk[j] - mx) / sum;
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
