// Masked, scaled softmax over the key axis of attention scores (Vaswani et al. 2017, eq. 1; HF
// BertSelfAttention adds the extended attention mask after scaling by 1/sqrt(D)):
//   probs[b,h,i,j] = exp(v_j - max_j v) / sum_j exp(v_j - max_j v),  v_j = scale * scores[b,h,i,j] + mask[b,j]
// mask is additive: 0 for a real token, float32's minimum for padding (as HF; never -inf, so a fully
// padded row stays finite). Backward, per row:
//   dscores += scale * probs * (dprobs - sum_j dprobs_j * probs_j)
// Mirrors jbert.engine.ops.Softmax. Technique: one warp per row of T scores; expf, not __expf.
// Forward: a row's work is a few hundred bytes and two warp reductions, so a warp that loads one row,
// reduces it and exits keeps too few bytes in flight to stream at the card's bandwidth (on an H200 a
// warp per row ran at half a copy's). The register kernels give each warp 16 values per lane: ROWS =
// 16 / SLOTS rows of up to 32 * SLOTS scores, all loaded before the first reduction, the reductions of
// the rows interleaved. The host takes the smallest SLOTS in {2, 4, 8, 16} that holds T (BERT's whole
// range: 512 positions); longer rows stream through three passes, one warp per row.

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// Rows [first, first + ROWS) of scores, probs [B, NH, T, T], T <= 32 * SLOTS; mask [B, T]. Lane l
// holds element j = l + 32 k of row r in z[r][k]: the loops unroll, so z stays in registers. Slots
// past T (and rows past the last) hold float's lowest value and count as exp(..) = 0. Row indices fit
// in 32 bits (the host checks), so the per-row division that finds b is a 32-bit one.
template <int SLOTS>
__device__ __forceinline__ void softmax_rows_in_registers(const float* scores, const float* mask, float scale, float* probs,
                                                          int B, int NH, int T) {
    constexpr int ROWS = 16 / SLOTS;
    int rows = B * NH * T, rowsPerBatch = NH * T;
    long long warp = (blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    if (warp * ROWS >= rows) return;
    int first = (int)warp * ROWS;
    float z[ROWS][SLOTS], mx[ROWS], sum[ROWS];
#pragma unroll
    for (int r = 0; r < ROWS; r++) {
        int row = first + r;
        bool live = row < rows;
        const float* s = scores + (long long)row * T;
        const float* mk = mask + (long long)(live ? row / rowsPerBatch : 0) * T;
        mx[r] = -3.402823466e+38f;
#pragma unroll
        for (int k = 0; k < SLOTS; k++) {
            int j = lane + 32 * k;
            z[r][k] = live && j < T ? scale * s[j] + mk[j] : -3.402823466e+38f;
            mx[r] = fmaxf(mx[r], z[r][k]);
        }
    }
#pragma unroll
    for (int r = 0; r < ROWS; r++) mx[r] = warp_max(mx[r]);
#pragma unroll
    for (int r = 0; r < ROWS; r++) {
        sum[r] = 0.0f;
#pragma unroll
        for (int k = 0; k < SLOTS; k++) {
            z[r][k] = lane + 32 * k < T ? expf(z[r][k] - mx[r]) : 0.0f;
            sum[r] += z[r][k];
        }
    }
#pragma unroll
    for (int r = 0; r < ROWS; r++) sum[r] = warp_sum(sum[r]);
#pragma unroll
    for (int r = 0; r < ROWS; r++) {
        int row = first + r;
        if (row >= rows) break;
        float* p = probs + (long long)row * T;
#pragma unroll
        for (int k = 0; k < SLOTS; k++) {
            int j = lane + 32 * k;
            if (j < T) p[j] = z[r][k] / sum[r];
        }
    }
}

// One kernel per row capacity (32 * SLOTS scores; 16 / SLOTS rows per warp).
extern "C" __global__ void softmax_forward_masked_scaled_registers_t64(const float* scores, const float* mask, float scale, float* probs, int B, int NH, int T) {
    softmax_rows_in_registers<2>(scores, mask, scale, probs, B, NH, T);
}
extern "C" __global__ void softmax_forward_masked_scaled_registers_t128(const float* scores, const float* mask, float scale, float* probs, int B, int NH, int T) {
    softmax_rows_in_registers<4>(scores, mask, scale, probs, B, NH, T);
}
extern "C" __global__ void softmax_forward_masked_scaled_registers_t256(const float* scores, const float* mask, float scale, float* probs, int B, int NH, int T) {
    softmax_rows_in_registers<8>(scores, mask, scale, probs, B, NH, T);
}
extern "C" __global__ void softmax_forward_masked_scaled_registers_t512(const float* scores, const float* mask, float scale, float* probs, int B, int NH, int T) {
    softmax_rows_in_registers<16>(scores, mask, scale, probs, B, NH, T);
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
