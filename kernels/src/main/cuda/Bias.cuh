// What the bias kernels of Elementwise.cu (bias_forward_broadcast_rows, bias_backward_column_reduce)
// and the fused ones of Gelu.cu (bias_gelu_forward_fused, bias_gelu_backward_fused_column_reduce) share,
// for a matrix [rows, cols] and a bias [cols].
#pragma once

// v, the float4 at flat float index 4*i, plus the bias of each of its four columns. The bias is read
// element by element: a float4 may straddle two rows when cols is not a multiple of 4. One division
// per four elements, then the column wraps by hand.
__device__ __forceinline__ float4 add_bias4(float4 v, const float* bias, long long i, int cols) {
    int c = (int)((4 * i) % cols);
    v.x += bias[c];
    if (++c == cols) c = 0;
    v.y += bias[c];
    if (++c == cols) c = 0;
    v.z += bias[c];
    if (++c == cols) c = 0;
    v.w += bias[c];
    return v;
}

// The end of a column sum over blocks of (32, 16) threads: threadIdx.x walks 32 adjacent columns
// (coalesced reads), threadIdx.y 16 row lanes, and each thread brings the sum of its lane's rows in
// column c. The block adds its 16 lanes in shared memory, then its total into dsum[c] with one
// atomicAdd (so chunks of rows, blockIdx.y, run in parallel).
__device__ __forceinline__ void add_column_sums(float sum, float* dsum, int c, int cols) {
    __shared__ float partial[16][33];
    partial[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        float total = 0.0f;
        for (int k = 0; k < 16; k++) total += partial[k][threadIdx.x];
        atomicAdd(&dsum[c], total);
    }
}
