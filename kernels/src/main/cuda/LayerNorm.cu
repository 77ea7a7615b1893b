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

#include "Warp.cuh"

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

// ---- Fast path: cols % 4 == 0 and cols <= 128 * V (BERT's H = 768 and 1024) ------------------------
// Technique: one warp per row with the row held in registers. Lane l holds columns [128 i + 4 l,
// 128 i + 4 l + 4) for i < V as float4s, so each element crosses the memory bus exactly once each way
// (forward: read x, write out; backward: read dout, x, dx, write dx), which is what a device-to-device
// copy moves. Columns past cols are zeros and add nothing to the sums. The generic kernels above stay
// as the plain reference for odd widths; CudaKernelsTest and KernelEmulationTest check both.

__device__ __forceinline__ float4 load_float4(const float* p) { return *reinterpret_cast<const float4*>(p); }
__device__ __forceinline__ void store_float4(float* p, float4 v) { *reinterpret_cast<float4*>(p) = v; }

// Reads row [cols] into v, zeros past cols.
template <int V>
__device__ __forceinline__ void load_row_float4(const float* row, float4 (&v)[V], int cols, int lane) {
#pragma unroll
    for (int i = 0; i < V; i++) {
        int c = 128 * i + 4 * lane;
        v[i] = c < cols ? load_float4(row + c) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }
}

// layernorm_row from registers: two-pass mean and variance, then out = xhat * gamma + beta.
template <int V>
__device__ __forceinline__ void layernorm_row_registers(const float4 (&v)[V], const float* gamma, const float* beta, float* outr,
                                                        float* mean, float* rstd, int row, int cols, float eps, int lane) {
    float sum = 0.0f;
#pragma unroll
    for (int i = 0; i < V; i++) sum += (v[i].x + v[i].y) + (v[i].z + v[i].w);
    float m = warp_sum(sum) / cols;
    float sq = 0.0f;
#pragma unroll
    for (int i = 0; i < V; i++) {
        if (128 * i + 4 * lane < cols) {
            float a = v[i].x - m, b = v[i].y - m, c = v[i].z - m, d = v[i].w - m;
            sq += (a * a + b * b) + (c * c + d * d);
        }
    }
    float rs = 1.0f / sqrtf(warp_sum(sq) / cols + eps);
#pragma unroll
    for (int i = 0; i < V; i++) {
        int c = 128 * i + 4 * lane;
        if (c < cols) {
            float4 g = load_float4(gamma + c), b = load_float4(beta + c);
            store_float4(outr + c, make_float4((v[i].x - m) * rs * g.x + b.x, (v[i].y - m) * rs * g.y + b.y,
                                               (v[i].z - m) * rs * g.z + b.z, (v[i].w - m) * rs * g.w + b.w));
        }
    }
    if (lane == 0) {
        mean[row] = m;
        rstd[row] = rs;
    }
}

template <int V>
__device__ __forceinline__ void layernorm_forward_registers(const float* x, const float* gamma, const float* beta, float* out,
                                                            float* mean, float* rstd, int rows, int cols, float eps) {
    int row = (int)((blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32);
    int lane = threadIdx.x % 32;
    if (row >= rows) return;
    long long base = (long long)row * cols;
    float4 v[V];
    load_row_float4<V>(x + base, v, cols, lane);
    layernorm_row_registers<V>(v, gamma, beta, out + base, mean, rstd, row, cols, eps, lane);
}

template <int V>
__device__ __forceinline__ void residual_layernorm_forward_registers(const float* a, const float* b, const float* gamma, const float* beta,
                                                                     float* sum, float* out, float* mean, float* rstd,
                                                                     int rows, int cols, float eps) {
    int row = (int)((blockIdx.x * (long long)blockDim.x + threadIdx.x) / 32);
    int lane = threadIdx.x % 32;
    if (row >= rows) return;
    long long base = (long long)row * cols;
    float4 v[V], w[V];
    load_row_float4<V>(a + base, v, cols, lane);
    load_row_float4<V>(b + base, w, cols, lane);
#pragma unroll
    for (int i = 0; i < V; i++) {
        v[i] = make_float4(v[i].x + w[i].x, v[i].y + w[i].y, v[i].z + w[i].z, v[i].w + w[i].w);
        int c = 128 * i + 4 * lane;
        if (c < cols) store_float4(sum + base + c, v[i]);
    }
    layernorm_row_registers<V>(v, gamma, beta, out + base, mean, rstd, row, cols, eps, lane);
}

// Backward. Warps walk rows grid-stride; each lane keeps its columns' dgamma and dbeta sums in
// registers over the rows it visits. No float atomics, so the result is the same run after run: the
// block's warps add their sums in warp order through shared memory, the block writes one row
// [dgamma partial (cols) | dbeta partial (cols)] to partials[blockIdx.x], and
// layernorm_backward_sum_block_partials adds the blocks' rows in block order.
template <int V>
__device__ __forceinline__ void layernorm_backward_registers(const float* dout, const float* x, const float* gamma,
                                                             const float* mean, const float* rstd, float* dx,
                                                             float* partials, int rows, int cols) {
    __shared__ float blockSums[2 * 128 * V];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warpsPerBlock = blockDim.x / 32;
    float4 dg[V], db[V];
#pragma unroll
    for (int i = 0; i < V; i++) dg[i] = db[i] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    for (int row = blockIdx.x * warpsPerBlock + warp; row < rows; row += gridDim.x * warpsPerBlock) {
        long long base = (long long)row * cols;
        float m = mean[row], rs = rstd[row];
        float4 xh[V], d[V];
        load_row_float4<V>(x + base, xh, cols, lane);
        load_row_float4<V>(dout + base, d, cols, lane);
        float sumDxhat = 0.0f, sumDxhatXhat = 0.0f;
#pragma unroll
        for (int i = 0; i < V; i++) {
            int c = 128 * i + 4 * lane;
            if (c < cols) {
                float4 g = load_float4(gamma + c);
                xh[i] = make_float4((xh[i].x - m) * rs, (xh[i].y - m) * rs, (xh[i].z - m) * rs, (xh[i].w - m) * rs);
                float4 dxhat = make_float4(d[i].x * g.x, d[i].y * g.y, d[i].z * g.z, d[i].w * g.w);
                sumDxhat += (dxhat.x + dxhat.y) + (dxhat.z + dxhat.w);
                sumDxhatXhat += (dxhat.x * xh[i].x + dxhat.y * xh[i].y) + (dxhat.z * xh[i].z + dxhat.w * xh[i].w);
                dg[i] = make_float4(dg[i].x + d[i].x * xh[i].x, dg[i].y + d[i].y * xh[i].y,
                                    dg[i].z + d[i].z * xh[i].z, dg[i].w + d[i].w * xh[i].w);
                db[i] = make_float4(db[i].x + d[i].x, db[i].y + d[i].y, db[i].z + d[i].z, db[i].w + d[i].w);
            }
        }
        float meanDxhat = warp_sum(sumDxhat) / cols;
        float meanDxhatXhat = warp_sum(sumDxhatXhat) / cols;
#pragma unroll
        for (int i = 0; i < V; i++) {
            int c = 128 * i + 4 * lane;
            if (c < cols) {
                float4 g = load_float4(gamma + c), old = load_float4(dx + base + c);
                store_float4(dx + base + c,
                             make_float4(old.x + rs * (d[i].x * g.x - meanDxhat - xh[i].x * meanDxhatXhat),
                                         old.y + rs * (d[i].y * g.y - meanDxhat - xh[i].y * meanDxhatXhat),
                                         old.z + rs * (d[i].z * g.z - meanDxhat - xh[i].z * meanDxhatXhat),
                                         old.w + rs * (d[i].w * g.w - meanDxhat - xh[i].w * meanDxhatXhat)));
            }
        }
    }
    // The block's warps add their sums in a fixed order: warp 0 writes, then 1, 2, ... add.
    for (int w = 0; w < warpsPerBlock; w++) {
        if (warp == w) {
#pragma unroll
            for (int i = 0; i < V; i++) {
                int c = 128 * i + 4 * lane;
                if (c < cols) {
                    float4 g = w == 0 ? dg[i] : make_float4(blockSums[c] + dg[i].x, blockSums[c + 1] + dg[i].y,
                                                            blockSums[c + 2] + dg[i].z, blockSums[c + 3] + dg[i].w);
                    float4 b = w == 0 ? db[i] : make_float4(blockSums[cols + c] + db[i].x, blockSums[cols + c + 1] + db[i].y,
                                                            blockSums[cols + c + 2] + db[i].z, blockSums[cols + c + 3] + db[i].w);
                    blockSums[c] = g.x; blockSums[c + 1] = g.y; blockSums[c + 2] = g.z; blockSums[c + 3] = g.w;
                    blockSums[cols + c] = b.x; blockSums[cols + c + 1] = b.y; blockSums[cols + c + 2] = b.z; blockSums[cols + c + 3] = b.w;
                }
            }
        }
        __syncthreads();
    }
    float* mine = partials + (long long)blockIdx.x * 2 * cols;
    for (int c = threadIdx.x; c < 2 * cols; c += blockDim.x) mine[c] = blockSums[c];
}

// One entry point per register budget: V float4s per lane serve rows of up to 128 V columns.
#define LAYERNORM_REGISTER_KERNELS(V, COLS)                                                                                       \
    extern "C" __global__ void layernorm_forward_warp_per_row_float4_upto##COLS(                                                \
        const float* x, const float* gamma, const float* beta, float* out, float* mean, float* rstd, int rows, int cols, float eps) { \
        layernorm_forward_registers<V>(x, gamma, beta, out, mean, rstd, rows, cols, eps);                                       \
    }                                                                                                                             \
    extern "C" __global__ void residual_layernorm_forward_warp_per_row_float4_upto##COLS(                                       \
        const float* a, const float* b, const float* gamma, const float* beta, float* sum, float* out, float* mean, float* rstd,  \
        int rows, int cols, float eps) {                                                                                          \
        residual_layernorm_forward_registers<V>(a, b, gamma, beta, sum, out, mean, rstd, rows, cols, eps);                      \
    }                                                                                                                             \
    extern "C" __global__ void layernorm_backward_warp_per_row_float4_upto##COLS(                                               \
        const float* dout, const float* x, const float* gamma, const float* mean, const float* rstd, float* dx, float* partials, \
        int rows, int cols) {                                                                                                     \
        layernorm_backward_registers<V>(dout, x, gamma, mean, rstd, dx, partials, rows, cols);                                  \
    }

LAYERNORM_REGISTER_KERNELS(2, 256)
LAYERNORM_REGISTER_KERNELS(6, 768)
LAYERNORM_REGISTER_KERNELS(8, 1024)

// dgamma[c] += sum over blocks of partials[b][c], dbeta[c] += sum of partials[b][cols + c]; partials is
// [blocks, 2 cols]. A block of 32 x 8 threads takes 32 of the 2 cols columns: each of its 8 warps sums
// every 8th block row (coalesced 128-byte reads), then warp 0 adds the 8 sums in order (deterministic).
extern "C" __global__ void layernorm_backward_sum_block_partials(const float* partials, int blocks, int cols,
                                                                 float* dgamma, float* dbeta) {
    __shared__ float sums[8][32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    int c = blockIdx.x * 32 + lane;
    float s = 0.0f;
    if (c < 2 * cols)
        for (int b = warp; b < blocks; b += 8) s += partials[(long long)b * 2 * cols + c];
    sums[warp][lane] = s;
    __syncthreads();
    if (warp == 0 && c < 2 * cols) {
        float t = sums[0][lane];
        for (int w = 1; w < 8; w++) t += sums[w][lane];
        if (c < cols) dgamma[c] += t;
        else dbeta[c - cols] += t;
    }
}
