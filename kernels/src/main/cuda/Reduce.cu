// Sum of squares of x[0..n) in double, for the global gradient norm (torch.nn.utils.clip_grad_norm_).
// Squares are accumulated in double per thread, reduced across the warp with shuffles and across the
// block in shared memory; each block then adds its total to *out with one double atomicAdd (sm_60+).
// The host zeroes *out before the launch and reads it back. Mirrors jbert.engine.optim's norm.

#include "MultiTensor.cuh"
#include "Warp.cuh"

// The block's total of acc, valid in thread 0.
__device__ __forceinline__ double block_sum_double(double acc) {
    __shared__ double warpTotals[32];
    acc = warp_sum(acc);
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) warpTotals[warp] = acc;
    __syncthreads();
    double t = 0.0;
    if (warp == 0) {
        int warps = blockDim.x / 32;
        t = lane < warps ? warpTotals[lane] : 0.0;
        t = warp_sum(t);
    }
    return t;
}

extern "C" __global__ void sum_of_squares_reduce_double(const float* x, long long n, double* out) {
    double acc = 0.0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        double v = (double)x[i];
        acc += v * v;
    }
    double t = block_sum_double(acc);
    if (threadIdx.x == 0) atomicAdd(out, t);
}

// Multi-tensor form (Backend.sumOfSquares(Storage[], long[]), the whole gradient norm in one launch;
// chunk table in MultiTensor.cuh): each block writes its total to blockTotals[blockIdx.x] and the host
// adds the blocks' totals in order, so the norm is the same run after run.
extern "C" __global__ void sum_of_squares_reduce_double_multi_tensor(const float* const* xs, const long long* sizes,
                                                                     const int* chunkTensor, const long long* chunkStart,
                                                                     int chunks, double* blockTotals) {
    double acc = 0.0;
    for_each_chunk(sizes, chunkTensor, chunkStart, chunks, [&](int t, long long begin, long long end) {
        const float* x = xs[t] + begin;
        for_each_element(
            begin, end,
            [&](int i) {
                float4 v = *reinterpret_cast<const float4*>(x + i);
                acc += ((double)v.x * v.x + (double)v.y * v.y) + ((double)v.z * v.z + (double)v.w * v.w);
            },
            [&](int i) {
                double v = (double)x[i];
                acc += v * v;
            });
    });
    double t = block_sum_double(acc);
    if (threadIdx.x == 0) blockTotals[blockIdx.x] = t;
}
