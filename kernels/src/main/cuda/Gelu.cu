// GELU, exact erf form (HF's "gelu" activation, Hendrycks & Gimpel 2016):
//   gelu(x)  = x * Phi(x),           Phi(x) = 0.5 * (1 + erf(x / sqrt(2)))
//   gelu'(x) = Phi(x) + x * phi(x),  phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
// erff is CUDA's full-precision erf (max 2 ulp); no fast-math intrinsics, so results agree with the
// CPU reference to float32 rounding. Mirrors jbert.engine.ops.Gelu (and the fused bias+GELU).

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

extern "C" __global__ void gelu_forward_elementwise(const float* x, float* out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = gelu_value(x[i]);
    }
}

// dx += dout * gelu'(x).
extern "C" __global__ void gelu_backward_elementwise(const float* x, const float* dout, float* dx, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        dx[i] += dout[i] * gelu_derivative(x[i]);
    }
}

// Fused bias + GELU for the feed-forward up-projection: pre = x + bias (kept for backward),
// out = gelu(pre); x, pre, out [rows, cols], bias [cols].
extern "C" __global__ void bias_gelu_forward_fused(const float* x, const float* bias, float* pre, float* out, int rows, int cols) {
    long long n = (long long)rows * cols;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float p = x[i] + bias[i % cols];
        pre[i] = p;
        out[i] = gelu_value(p);
    }
}

// Fused backward: g = dout * gelu'(pre); dx += g; dbias += column sums of g.
// Same layout as bias_backward_column_reduce in Elementwise.cu: block (32, 16) over 32 columns,
// blockIdx.y a chunk of rowsPerBlock rows, one atomicAdd per column per block.
extern "C" __global__ void bias_gelu_backward_fused_column_reduce(const float* pre, const float* dout, float* dx, float* dbias,
                                                                  int rows, int cols, int rowsPerBlock) {
    __shared__ float partial[16][33];
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
    partial[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        float total = 0.0f;
        for (int k = 0; k < 16; k++) total += partial[k][threadIdx.x];
        atomicAdd(&dbias[c], total);
    }
}
