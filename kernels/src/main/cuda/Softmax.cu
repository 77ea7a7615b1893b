// Masked, scaled softmax over the key axis of attention scores (Vaswani et al. 2017, eq. 1; HF
// BertSelfAttention adds the extended attention mask after scaling by 1/sqrt(D)):
//   probs[b,h,i,j] = exp(v_j - max_j v) / sum_j exp(v_j - max_j v),  v_j = scale * scores[b,h,i,j] + mask[b,j]
// mask is additive: 0 for a real token, float32's minimum for padding (as HF; never -inf, so a fully
// padded row stays finite). Backward, per row:
//   dscores += scale * probs * (dprobs - sum_j dprobs_j * probs_j)
// Mirrors jbert.engine.ops.Softmax. expf, not __expf, everywhere.
// Two techniques. One warp per row (any T): the forward reads the row three times (max, sum, write;
// the second and third from L1). It streams at 85% of a device-to-device copy at T=128 on an H100
// (63% on an H200) but 35-47% at T=64, where Nsight Compute shows it issue bound, not memory bound
// (DRAM throughput 37%, 0.84 warps issued per scheduler per cycle, occupancy 87%): with two scores
// per lane, the two 5-step shuffle reductions, the row's index arithmetic and three passes with two
// expf per score are most of its instructions. A group of G lanes per row (T % 4 == 0, T <= 128):
// each lane holds four scores as one float4, reads them once, computes z and one expf per score, and
// reduces over log2 G shuffle steps: straight-line code, fewer than 190 instructions per lane for its
// four scores at T = 64 (sm_90 SASS, ptxas). Measured on an H200 (bench/RESULTS.md, GPU, session 5):
// 91-96% of copy at T=64 and 94-95% at T=128, so CudaBackend takes it for every T it serves. Backward:
// one warp per row runs at 98-100% of copy at T=128; the lane-group backward (one float4 of probs,
// dprobs and dscores per lane) at 108-110% at T=64, where CudaBackend takes it (T <= 64).

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

// ---- Short rows: a group of G lanes per row --------------------------------------------------------
// G is a power of two, the smallest >= T / 4 (CudaBackend.softmaxLaneGroup), so a warp holds 32 / G
// rows and a block THREADS / G. Lane k of a group holds scores [4k, 4k + 4) of its row as one float4:
// each score is read once, z = scale * s + mask computed once and kept in registers. Lanes past T / 4
// (T / 4 not a power of two, e.g. T = 40: 10 of 16 lanes) and rows past the batch's last in its last
// block load nothing, bring -FLT_MAX to the max and 0 to the sum, and store nothing; they stay in the
// shuffles, which take the whole warp. Indices are 32-bit: CudaBackend takes this path only where
// B * NH * T * T fits an int. 16-byte aligned float4s: T % 4 == 0 and storages start 256-byte aligned.

// Forward over grid (ceil(NH * T / (THREADS / G)), B): every row of a block lies in batch blockIdx.y,
// so the mask row needs no division. ptxas (sm_90): 18 registers (19 for G = 16 and 32), no spills.
template <int G>
__device__ __forceinline__ void softmax_forward_lane_group(const float* scores, const float* mask, float scale, float* probs,
                                                           int NH, int T) {
    int rowsPerBatch = NH * T;
    int r = blockIdx.x * (blockDim.x / G) + threadIdx.x / G;   // row within batch blockIdx.y
    int c = 4 * (threadIdx.x % G);
    bool live = r < rowsPerBatch && c < T;
    int at = (blockIdx.y * rowsPerBatch + r) * T + c;
    const float lowest = -3.402823466e+38f;
    float4 z = make_float4(lowest, lowest, lowest, lowest);
    if (live) {
        float4 s = *reinterpret_cast<const float4*>(scores + at);
        float4 m = *reinterpret_cast<const float4*>(mask + blockIdx.y * T + c);
        z = make_float4(scale * s.x + m.x, scale * s.y + m.y, scale * s.z + m.z, scale * s.w + m.w);
    }
    float mx = group_max<G>(fmaxf(fmaxf(z.x, z.y), fmaxf(z.z, z.w)));
    float4 e = make_float4(0.0f, 0.0f, 0.0f, 0.0f);   // not expf(lowest - mx): that is 1 in a fully padded row
    if (live) e = make_float4(expf(z.x - mx), expf(z.y - mx), expf(z.z - mx), expf(z.w - mx));
    float inv = 1.0f / group_sum<G>((e.x + e.y) + (e.z + e.w));
    if (live) *reinterpret_cast<float4*>(probs + at) = make_float4(e.x * inv, e.y * inv, e.z * inv, e.w * inv);
}

// Backward over a 1-D grid of rows * G threads (no mask, so no batch index). ptxas (sm_90): 21-22
// registers, no spills.
template <int G>
__device__ __forceinline__ void softmax_backward_lane_group(const float* probs, const float* dprobs, float* dscores, float scale,
                                                            int rows, int T) {
    int row = (blockIdx.x * blockDim.x + threadIdx.x) / G;
    int c = 4 * (threadIdx.x % G);
    bool live = row < rows && c < T;
    int at = row * T + c;
    float4 p = make_float4(0.0f, 0.0f, 0.0f, 0.0f), dp = p;
    if (live) {
        p = *reinterpret_cast<const float4*>(probs + at);
        dp = *reinterpret_cast<const float4*>(dprobs + at);
    }
    float dot = group_sum<G>((dp.x * p.x + dp.y * p.y) + (dp.z * p.z + dp.w * p.w));
    if (live) {
        float4 ds = *reinterpret_cast<const float4*>(dscores + at);
        ds.x += scale * p.x * (dp.x - dot);
        ds.y += scale * p.y * (dp.y - dot);
        ds.z += scale * p.z * (dp.z - dot);
        ds.w += scale * p.w * (dp.w - dot);
        *reinterpret_cast<float4*>(dscores + at) = ds;
    }
}

// One entry point per group width, named by the longest row it takes (4 G scores).
#define SOFTMAX_LANE_GROUP_KERNELS(G, UPTO)                                                                             \
    extern "C" __global__ void softmax_forward_masked_scaled_float4_lane_group_upto##UPTO(                              \
            const float* scores, const float* mask, float scale, float* probs, int NH, int T) {                         \
        softmax_forward_lane_group<G>(scores, mask, scale, probs, NH, T);                                               \
    }                                                                                                                   \
    extern "C" __global__ void softmax_backward_scaled_float4_lane_group_upto##UPTO(                                    \
            const float* probs, const float* dprobs, float* dscores, float scale, int rows, int T) {                    \
        softmax_backward_lane_group<G>(probs, dprobs, dscores, scale, rows, T);                                         \
    }
SOFTMAX_LANE_GROUP_KERNELS(1, 4)
SOFTMAX_LANE_GROUP_KERNELS(2, 8)
SOFTMAX_LANE_GROUP_KERNELS(4, 16)
SOFTMAX_LANE_GROUP_KERNELS(8, 32)
SOFTMAX_LANE_GROUP_KERNELS(16, 64)
SOFTMAX_LANE_GROUP_KERNELS(32, 128)
