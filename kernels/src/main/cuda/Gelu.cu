// GELU, exact erf form (HF's "gelu" activation, Hendrycks & Gimpel 2016):
//   gelu(x)  = x * Phi(x),           Phi(x) = 0.5 * (1 + erf(x / sqrt(2)))
//   gelu'(x) = Phi(x) + x * phi(x),  phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
// erff is CUDA's full-precision erf (max 2 ulp); no fast-math intrinsics, so results agree with the
// CPU reference to float32 rounding. Mirrors jbert.engine.ops.Gelu (and the fused bias+GELU).

#include "Bias.cuh"

#define GELU_INV_SQRT2 0.70710678118654752440f
#define GELU_INV_SQRT_2PI 0.39894228040143267794f

__device__ __forceinline__ float gelu_value(float x) {
    return 0.5f * x * (1.0f + erff(x * GELU_INV_SQRT2));
}

__device__ __forceinline__ float gelu_derivative(float x) {
    float cdf = 0.5f * (1.0f + erff(x * GELU_INV_SQRT2));
    float pdf = expf(-0.5f * x * x) * GELU_INV_SQRT_2PI;
    return cdf + x * pdf;
}

#define GRID_STRIDE_BEGIN (blockIdx.x * (long long)blockDim.x + threadIdx.x)
#define GRID_STRIDE ((long long)gridDim.x * blockDim.x)

// The streaming kernels below move float4s over the first n/4*4 elements and finish with a scalar
// tail (storages start 256-byte aligned; four loads in flight per thread keep HBM busy).

extern "C" __global__ void gelu_forward_elementwise(const float* x, float* out, long long n) {
    long long n4 = n / 4;
    for (long long i = GRID_STRIDE_BEGIN; i < n4; i += GRID_STRIDE) {
        float4 v = reinterpret_cast<const float4*>(x)[i];
        reinterpret_cast<float4*>(out)[i] = make_float4(gelu_value(v.x), gelu_value(v.y), gelu_value(v.z), gelu_value(v.w));
    }
    for (long long i = 4 * n4 + GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) out[i] = gelu_value(x[i]);
}

// dx += dout * gelu'(x).
extern "C" __global__ void gelu_backward_elementwise(const float* x, const float* dout, float* dx, long long n) {
    long long n4 = n / 4;
    for (long long i = GRID_STRIDE_BEGIN; i < n4; i += GRID_STRIDE) {
        float4 v = reinterpret_cast<const float4*>(x)[i], d = reinterpret_cast<const float4*>(dout)[i];
        float4 g = reinterpret_cast<float4*>(dx)[i];
        g.x += d.x * gelu_derivative(v.x);
        g.y += d.y * gelu_derivative(v.y);
        g.z += d.z * gelu_derivative(v.z);
        g.w += d.w * gelu_derivative(v.w);
        reinterpret_cast<float4*>(dx)[i] = g;
    }
    for (long long i = 4 * n4 + GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) dx[i] += dout[i] * gelu_derivative(x[i]);
}

// Fused bias + GELU for the feed-forward up-projection: pre = x + bias (kept for backward),
// out = gelu(pre); x, pre, out [rows, cols], bias [cols]. pre may be the same storage as out
// (inference keeps nothing): each element's out is computed from the pre value just made, and the
// float4 store of out comes after the store of pre.
extern "C" __global__ void bias_gelu_forward_fused(const float* x, const float* bias, float* pre, float* out, int rows, int cols) {
    long long n = (long long)rows * cols, n4 = n / 4;
    for (long long i = GRID_STRIDE_BEGIN; i < n4; i += GRID_STRIDE) {
        float4 p = add_bias4(reinterpret_cast<const float4*>(x)[i], bias, i, cols);
        reinterpret_cast<float4*>(pre)[i] = p;
        reinterpret_cast<float4*>(out)[i] = make_float4(gelu_value(p.x), gelu_value(p.y), gelu_value(p.z), gelu_value(p.w));
    }
    for (long long i = 4 * n4 + GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) {
        float p = x[i] + bias[i % cols];
        pre[i] = p;
        out[i] = gelu_value(p);
    }
}

// Fused backward: g = dout * gelu'(pre); dx += g; dbias += column sums of g.
// Same layout as bias_backward_column_reduce in Elementwise.cu: block (32, 16) over 32 columns,
// blockIdx.y a chunk of rowsPerBlock rows, add_column_sums (Bias.cuh) for dbias.
extern "C" __global__ void bias_gelu_backward_fused_column_reduce(const float* pre, const float* dout, float* dx, float* dbias,
                                                                  int rows, int cols, int rowsPerBlock) {
    int c = blockIdx.x * 32 + threadIdx.x;
    int r0 = blockIdx.y * rowsPerBlock;
    int r1 = min(rows, r0 + rowsPerBlock);
    float sum = 0.0f;
    if (c < cols) {
        for (int r = r0 + threadIdx.y; r < r1; r += 16) {
            long long i = (long long)r * cols + c;
            float g = dout[i] * gelu_derivative(pre[i]);
            dx[i] += g;
            sum += g;
        }
    }
    add_column_sums(sum, dbias, c, cols);
}
