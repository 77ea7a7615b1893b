// Elementwise kernels of jbert's CUDA backend: add, axpy, scale, bias forward/backward, tanh, the
// [CLS] row select, and the fills and copies the backend issues as kernels. Each mirrors a method of
// jbert.engine.Backend and its scalar loop in the CPU reference kernels; the Javadoc there states the math.
//
// Technique: grid-stride loops (any n, 64-bit indices, 256 threads per block). The streaming
// kernels move float4s over the first n/4*4 elements, then finish with a scalar tail: storages start
// 256-byte aligned, and four loads in flight per thread are what keeps HBM busy (one scalar load per
// thread leaves a modern GPU well short of its bandwidth).

#include "Bias.cuh"
#include "MultiTensor.cuh"

#define GRID_STRIDE_BEGIN (blockIdx.x * (long long)blockDim.x + threadIdx.x)
#define GRID_STRIDE ((long long)gridDim.x * blockDim.x)

extern "C" __global__ void add_forward_elementwise(const float* a, const float* b, float* out, long long n) {
    long long n4 = n / 4;
    for (long long i = GRID_STRIDE_BEGIN; i < n4; i += GRID_STRIDE) {
        float4 x = reinterpret_cast<const float4*>(a)[i], y = reinterpret_cast<const float4*>(b)[i];
        reinterpret_cast<float4*>(out)[i] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w);
    }
    for (long long i = 4 * n4 + GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) out[i] = a[i] + b[i];
}

// y += alpha * x (gradient accumulation).
extern "C" __global__ void axpy_accumulate_elementwise(float alpha, const float* x, float* y, long long n) {
    long long n4 = n / 4;
    for (long long i = GRID_STRIDE_BEGIN; i < n4; i += GRID_STRIDE) {
        float4 v = reinterpret_cast<const float4*>(x)[i], w = reinterpret_cast<float4*>(y)[i];
        reinterpret_cast<float4*>(y)[i] = make_float4(w.x + alpha * v.x, w.y + alpha * v.y, w.z + alpha * v.z, w.w + alpha * v.w);
    }
    for (long long i = 4 * n4 + GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) y[i] += alpha * x[i];
}

// out = alpha * x; out may alias x (each element is read before it is written, by the same thread).
extern "C" __global__ void scale_forward_elementwise(float alpha, const float* x, float* out, long long n) {
    long long n4 = n / 4;
    for (long long i = GRID_STRIDE_BEGIN; i < n4; i += GRID_STRIDE) {
        float4 v = reinterpret_cast<const float4*>(x)[i];
        reinterpret_cast<float4*>(out)[i] = make_float4(alpha * v.x, alpha * v.y, alpha * v.z, alpha * v.w);
    }
    for (long long i = 4 * n4 + GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) out[i] = alpha * x[i];
}

// Multi-tensor forms (chunk table in MultiTensor.cuh): every tensor of the list in one launch.
// x *= alpha in place over each tensor (Backend.scale(float, Storage[], long[]): gradient clipping).
extern "C" __global__ void scale_inplace_multi_tensor(float alpha, float* const* xs, const long long* sizes, const int* chunkTensor,
                                                     const long long* chunkStart, int chunks) {
    for_each_chunk(sizes, chunkTensor, chunkStart, chunks, [&](int t, long long begin, long long end) {
        float* x = xs[t] + begin;
        for_each_element(
            begin, end,
            [&](int i) {
                float4 v = *reinterpret_cast<float4*>(x + i);
                *reinterpret_cast<float4*>(x + i) = make_float4(alpha * v.x, alpha * v.y, alpha * v.z, alpha * v.w);
            },
            [&](int i) { x[i] *= alpha; });
    });
}

// dst[0..n) = value, n 32-bit words (a float's bits, or an int): cuMemsetD32 as a kernel. The backend
// fills, copies and uploads with kernels rather than memset and memcpy calls because a kernel node of
// a CUDA graph can be given new arguments on every replay (StepGraphs.java), a memset node not as simply.
// uint4 stores when dst is 16-byte aligned (one word per store ran at 31% of a copy's bandwidth on an H200).
extern "C" __global__ void fill_words_elementwise(unsigned* dst, unsigned value, long long n) {
    long long n4 = (reinterpret_cast<unsigned long long>(dst) & 15) == 0 ? n / 4 : 0;
    uint4 v = make_uint4(value, value, value, value);
    for (long long i = GRID_STRIDE_BEGIN; i < n4; i += GRID_STRIDE) reinterpret_cast<uint4*>(dst)[i] = v;
    for (long long i = 4 * n4 + GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) dst[i] = value;
}

// dst[0..n) = src[0..n), n 32-bit words; src may be page-locked host memory mapped into the device's
// address space (an upload: the batch's ids). uint4s when both addresses are 16-byte aligned (device
// blocks are; a table's parts inside a block may not be), words otherwise.
extern "C" __global__ void copy_words_elementwise(const unsigned* src, unsigned* dst, long long n) {
    bool aligned = ((reinterpret_cast<unsigned long long>(src) | reinterpret_cast<unsigned long long>(dst)) & 15) == 0;
    long long n4 = aligned ? n / 4 : 0;
    for (long long i = GRID_STRIDE_BEGIN; i < n4; i += GRID_STRIDE) reinterpret_cast<uint4*>(dst)[i] = reinterpret_cast<const uint4*>(src)[i];
    for (long long i = 4 * n4 + GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) dst[i] = src[i];
}

// x = value over each tensor (Backend.fill(Storage[], float): the optimizer's zero_grad).
extern "C" __global__ void fill_multi_tensor(float value, float* const* xs, const long long* sizes, const int* chunkTensor,
                                             const long long* chunkStart, int chunks) {
    for_each_chunk(sizes, chunkTensor, chunkStart, chunks, [&](int t, long long begin, long long end) {
        float* x = xs[t] + begin;
        for_each_element(
            begin, end, [&](int i) { *reinterpret_cast<float4*>(x + i) = make_float4(value, value, value, value); },
            [&](int i) { x[i] = value; });
    });
}

// out[r, c] = x[r, c] + bias[c] for x, out [rows, cols] (float4s of x, add_bias4 in Bias.cuh).
extern "C" __global__ void bias_forward_broadcast_rows(const float* x, const float* bias, float* out, int rows, int cols) {
    long long n = (long long)rows * cols, n4 = n / 4;
    for (long long i = GRID_STRIDE_BEGIN; i < n4; i += GRID_STRIDE) {
        reinterpret_cast<float4*>(out)[i] = add_bias4(reinterpret_cast<const float4*>(x)[i], bias, i, cols);
    }
    for (long long i = 4 * n4 + GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) out[i] = x[i] + bias[i % cols];
}

// dbias[c] += sum over r of dout[r, c]. Block (32, 16) over 32 columns; each block sums a chunk of
// rowsPerBlock rows (blockIdx.y), then add_column_sums (Bias.cuh) adds its 16 row lanes into dbias.
extern "C" __global__ void bias_backward_column_reduce(const float* dout, float* dbias, int rows, int cols, int rowsPerBlock) {
    int c = blockIdx.x * 32 + threadIdx.x;
    int r0 = blockIdx.y * rowsPerBlock;
    int r1 = min(rows, r0 + rowsPerBlock);
    float sum = 0.0f;
    if (c < cols) {
        for (int r = r0 + threadIdx.y; r < r1; r += 16) sum += dout[(long long)r * cols + c];
    }
    add_column_sums(sum, dbias, c, cols);
}

// out = tanh(x) (the pooler's activation: [B, H], small).
extern "C" __global__ void tanh_forward_elementwise(const float* x, float* out, long long n) {
    for (long long i = GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) out[i] = tanhf(x[i]);
}

// dx += dout * (1 - y^2), y = tanh(x) kept by forward.
extern "C" __global__ void tanh_backward_elementwise(const float* y, const float* dout, float* dx, long long n) {
    for (long long i = GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) {
        float yi = y[i];
        dx[i] += dout[i] * (1.0f - yi * yi);
    }
}

// out[b, :] = x[b, index, :] for x [B, T, H]: the [CLS] row that BERT's pooler reads.
extern "C" __global__ void select_token_forward_gather(const float* x, float* out, int B, int T, int H, int index) {
    long long n = (long long)B * H;
    for (long long i = GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) {
        long long b = i / H, h = i % H;
        out[i] = x[(b * T + index) * H + h];
    }
}

// dx[b, index, :] += dout[b, :].
extern "C" __global__ void select_token_backward_scatter(const float* dout, float* dx, int B, int T, int H, int index) {
    long long n = (long long)B * H;
    for (long long i = GRID_STRIDE_BEGIN; i < n; i += GRID_STRIDE) {
        long long b = i / H, h = i % H;
        dx[(b * T + index) * H + h] += dout[i];
    }
}
