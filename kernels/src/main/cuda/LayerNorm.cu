// LayerNorm over the last dimension (Ba, Kiros, Hinton 2016; BERT's "Add & Norm", post-LN):
//   mean = sum(x) / cols,  var = sum((x - mean)^2) / cols  (biased, as torch.nn.LayerNorm),
//   rstd = 1 / sqrt(var + eps),  xhat = (x - mean) * rstd,  out = xhat * gamma + beta.
// Backward, with dxhat = dout * gamma:
//   dx     += rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
//   dgamma += sum over rows of dout * xhat,   dbeta += sum over rows of dout.
// Mirrors jbert.engine.ops.LayerNorm (and the fused residual variant).
//
// Technique: one warp per row. Lanes stride the row 32 apart (coalesced), reduce with shuffles, and
// re-read the row for the second and third pass (it is still in L1). Two-pass variance, like the CPU
// reference, rather than E[x^2] - mean^2, which cancels badly when |mean| >> std.

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// Normalises one row already in memory at xr; lane is the thread's lane in its warp.
__device__ __forceinline__ void layernorm_row(const float* xr, const float* gamma, const float* beta, float* outr,
                                              float* mean, float* rstd, int row, int cols, float eps, int lane) {
    float sum = 0.0f;
    for (int c = lane; c < cols; c += 32) sum += xr[c];
    float m = warp_sum(sum) / cols;
    float sq = 0.0f;
    for (int c = lane; c < cols; c += 32) {
        float d = xr[c] - m;
        sq += d * d;
    }
    float rs = 1.0f / sqrtf(warp_sum(sq) / cols + eps);
    for (int c = lane; c < cols; c += 32) outr[c] = (xr[c] - m) * rs * gamma[c] + beta[c];
    if (lane == 0) {
        mean[row] = m;
        rstd[row] = rs;
    }
}

// x, out [rows, cols]; writes mean [rows] and rstd [rows] (kept for backward).
extern "C" __global__ void layernorm_forward_warp_per_row(const float* x, const float* gamma, const float* beta, float* out,
                                                          float* mean, float* rstd, int rows, int cols, float eps) {
    int row = (int)((blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32);
    int lane = threadIdx.x % 32;
    if (row >= rows) return;
    long long base = (long long)row * cols;
    layernorm_row(x + base, gamma, beta, out + base, mean, rstd, row, cols, eps, lane);
}

// Fused residual + LayerNorm: sum = a + b (kept for backward: it is LayerNorm's input), then as above.
// Each lane reads back only the elements it wrote itself, so no barrier is needed between the passes.
extern "C" __global__ void residual_layernorm_forward_warp_per_row(const float* a, const float* b, const float* gamma, const float* beta,
                                                                   float* sum, float* out, float* mean, float* rstd,
                                                                   int rows, int cols, float eps) {
    int row = (int)((blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32);
    int lane = threadIdx.x % 32;
    if (row >= rows) return;
    long long base = (long long)row * cols;
    for (int c = lane; c < cols; c += 32) sum[base + c] = a[base + c] + b[base + c];
    layernorm_row(sum + base, gamma, beta, out + base, mean, rstd, row, cols, eps, lane);
}

// Backward. Warps walk rows grid-stride. dgamma/dbeta are first summed per block (in shared memory
// when sharedPartials is 1: 2*cols floats of dynamic shared memory), then added to global memory with
// one atomicAdd per column per block. For very wide rows (sharedPartials 0) every warp adds to
// global memory directly.
extern "C" __global__ void layernorm_backward_warp_per_row(const float* dout, const float* x, const float* gamma,
                                                           const float* mean, const float* rstd,
                                                           float* dx, float* dgamma, float* dbeta,
                                                           int rows, int cols, int sharedPartials) {
    extern __shared__ float partials[];
    float* pg = sharedPartials ? partials : dgamma;
    float* pb = sharedPartials ? partials + cols : dbeta;
    if (sharedPartials) {
        for (int c = threadIdx.x; c < 2 * cols; c += blockDim.x) partials[c] = 0.0f;
        __syncthreads();
    }
    int lane = threadIdx.x % 32;
    int warpsPerBlock = blockDim.x / 32;
    for (int row = blockIdx.x * warpsPerBlock + threadIdx.x / 32; row < rows; row += gridDim.x * warpsPerBlock) {
        long long base = (long long)row * cols;
        const float* doutr = dout + base;
        const float* xr = x + base;
        float m = mean[row];
        float rs = rstd[row];
        float sumDxhat = 0.0f, sumDxhatXhat = 0.0f;
        for (int c = lane; c < cols; c += 32) {
            float xhat = (xr[c] - m) * rs;
            float dxhat = doutr[c] * gamma[c];
            sumDxhat += dxhat;
            sumDxhatXhat += dxhat * xhat;
        }
        float meanDxhat = warp_sum(sumDxhat) / cols;
        float meanDxhatXhat = warp_sum(sumDxhatXhat) / cols;
        for (int c = lane; c < cols; c += 32) {
            float xhat = (xr[c] - m) * rs;
            float d = doutr[c];
            float dxhat = d * gamma[c];
            dx[base + c] += rs * (dxhat - meanDxhat - xhat * meanDxhatXhat);
            atomicAdd(&pg[c], d * xhat);
            atomicAdd(&pb[c], d);
        }
    }
    if (sharedPartials) {
        __syncthreads();
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            atomicAdd(&dgamma[c], partials[c]);
            atomicAdd(&dbeta[c], partials[cols + c]);
        }
    }
}
