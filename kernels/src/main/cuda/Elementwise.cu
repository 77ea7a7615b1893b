// Elementwise kernels of jbert's CUDA backend: add, axpy, scale, bias forward/backward, tanh, and the
// [CLS] row select. Each mirrors a method of jbert.engine.Backend and its scalar loop in the CPU
// reference kernels; the Javadoc there states the math.
//
// Launch shape: 1-D grid-stride loops (any n, 64-bit indices) with 256 threads per block, except
// bias_backward_column_reduce (see there).

extern "C" __global__ void add_forward_elementwise(const float* a, const float* b, float* out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = a[i] + b[i];
    }
}

// y += alpha * x (gradient accumulation).
extern "C" __global__ void axpy_accumulate_elementwise(float alpha, const float* x, float* y, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        y[i] += alpha * x[i];
    }
}

// out = alpha * x; out may alias x.
extern "C" __global__ void scale_forward_elementwise(float alpha, const float* x, float* out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = alpha * x[i];
    }
}

// out[r, c] = x[r, c] + bias[c] for x, out [rows, cols].
extern "C" __global__ void bias_forward_broadcast_rows(const float* x, const float* bias, float* out, int rows, int cols) {
    long long n = (long long)rows * cols;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = x[i] + bias[i % cols];
    }
}

// dbias[c] += sum over r of dout[r, c].
// Block (32, 16): threadIdx.x walks 32 adjacent columns (coalesced reads), threadIdx.y 16 row lanes.
// Each block sums a chunk of rowsPerBlock rows, reduces its 16 row lanes in shared memory, then adds
// its partial sums with one atomicAdd per column (so blockIdx.y chunks of rows run in parallel).
extern "C" __global__ void bias_backward_column_reduce(const float* dout, float* dbias, int rows, int cols, int rowsPerBlock) {
    __shared__ float partial[16][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    int r0 = blockIdx.y * rowsPerBlock;
    int r1 = min(rows, r0 + rowsPerBlock);
    float sum = 0.0f;
    if (c < cols) {
        for (int r = r0 + threadIdx.y; r < r1; r += 16) sum += dout[(long long)r * cols + c];
    }
    partial[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        float total = 0.0f;
        for (int k = 0; k < 16; k++) total += partial[k][threadIdx.x];
        atomicAdd(&dbias[c], total);
    }
}

// out = tanh(x) (the pooler's activation).
extern "C" __global__ void tanh_forward_elementwise(const float* x, float* out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = tanhf(x[i]);
    }
}

// dx += dout * (1 - y^2), y = tanh(x) kept by forward.
extern "C" __global__ void tanh_backward_elementwise(const float* y, const float* dout, float* dx, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float yi = y[i];
        dx[i] += dout[i] * (1.0f - yi * yi);
    }
}

// out[b, :] = x[b, index, :] for x [B, T, H]: the [CLS] row that BERT's pooler reads.
extern "C" __global__ void select_token_forward_gather(const float* x, float* out, int B, int T, int H, int index) {
    long long n = (long long)B * H;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        long long b = i / H, h = i % H;
        out[i] = x[(b * T + index) * H + h];
    }
}

// dx[b, index, :] += dout[b, :].
extern "C" __global__ void select_token_backward_scatter(const float* dout, float* dx, int B, int T, int H, int index) {
    long long n = (long long)B * H;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        long long b = i / H, h = i % H;
        dx[(b * T + index) * H + h] += dout[i];
    }
}
