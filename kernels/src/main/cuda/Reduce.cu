// Sum of squares of x[0..n) in double, for the global gradient norm (torch.nn.utils.clip_grad_norm_).
// Squares are accumulated in double per thread, reduced across the warp with shuffles and across the
// block in shared memory; each block then adds its total to *out with one double atomicAdd (sm_60+).
// The host zeroes *out before the launch and reads it back. Mirrors jbert.engine.optim's norm.

__device__ __forceinline__ double warp_sum_double(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

extern "C" __global__ void sum_of_squares_reduce_double(const float* x, long long n, double* out) {
    __shared__ double warpTotals[32];
    double acc = 0.0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        double v = (double)x[i];
        acc += v * v;
    }
    acc = warp_sum_double(acc);
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) warpTotals[warp] = acc;
    __syncthreads();
    if (warp == 0) {
        int warps = blockDim.x / 32;
        double t = lane < warps ? warpTotals[lane] : 0.0;
        t = warp_sum_double(t);
        if (lane == 0) atomicAdd(out, t);
    }
}
