// Reductions across the lanes of a warp: a butterfly of __shfl_xor_sync exchanges, after which every
// lane holds the result (sum or max of the values). float for the row kernels, double for the
// reductions that accumulate in double (gradient norm, cross-entropy).
//
// group_sum / group_max<W> reduce within each aligned group of W lanes (W a power of two, 1 to 32;
// 32 / W groups per warp): the butterfly starts at offset W / 2, so values only cross between lanes of
// one group, in log2 W steps (none for W = 1). W is a template argument so that the steps unroll and
// the shuffles' segment width is a constant. Every lane of the warp must call them (the full mask).
// warp_sum / warp_max are the whole warp: W = 32, five steps.
#pragma once

template <int W, class T>
__device__ __forceinline__ T group_sum(T v) {
#pragma unroll
    for (int offset = W / 2; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset, W);
    return v;
}

template <int W>
__device__ __forceinline__ float group_max(float v) {
#pragma unroll
    for (int offset = W / 2; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset, W));
    return v;
}

template <int W>
__device__ __forceinline__ double group_max(double v) {
#pragma unroll
    for (int offset = W / 2; offset > 0; offset >>= 1) v = fmax(v, __shfl_xor_sync(0xffffffffu, v, offset, W));
    return v;
}

template <class T>
__device__ __forceinline__ T warp_sum(T v) { return group_sum<32>(v); }

__device__ __forceinline__ float warp_max(float v) { return group_max<32>(v); }

__device__ __forceinline__ double warp_max(double v) { return group_max<32>(v); }
