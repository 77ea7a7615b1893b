// Swaps the two middle axes: x [A, B, C, D] -> out [A, C, B, D]. Attention uses it to split heads
// ([B, T, NH, D] -> [B, NH, T, D]) and to merge them back; the permute is its own inverse on swapped
// sizes, so backward is the same kernel with accumulate = 1 (out +=). Mirrors jbert.engine.ops.Permute.
// Technique: one thread per output element; the innermost axis D stays contiguous on both sides, so
// reads and writes of a warp cover whole D-rows.
extern "C" __global__ void permute0213_forward_elementwise(const float* x, float* out, int A, int B, int C, int D, int accumulate) {
    long long n = (long long)A * B * C * D;
    for (long long o = blockIdx.x * (long long)blockDim.x + threadIdx.x; o < n; o += (long long)gridDim.x * blockDim.x) {
        long long d = o % D;
        long long t = o / D;
        long long b = t % B;   // out index is ((a*C + c)*B + b)*D + d
        t /= B;
        long long c = t % C;
        long long a = t / C;
        float v = x[((a * B + b) * C + c) * D + d];
        if (accumulate) out[o] += v; else out[o] = v;
    }
}
