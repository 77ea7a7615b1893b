// Swaps the two middle axes: x [A, B, C, D] -> out [A, C, B, D]. Attention uses it to split heads
// ([B, T, NH, D] -> [B, NH, T, D]) and to merge them back; the permute is its own inverse on swapped
// sizes, so backward is the same kernel with accumulate = 1 (out +=). Mirrors jbert.engine.ops.Permute.
// Technique: one thread per float4 of the output (D % 4 == 0, so a float4 never crosses a D-row and
// both sides stay 16-byte aligned), or per element otherwise; the innermost axis D stays contiguous on
// both sides, so a warp's reads and writes cover whole D-rows. Index arithmetic in 32 bits (the host
// checks that A*B*C*D fits): 64-bit division is a long software sequence, and with four of them per
// element the first version of this kernel moved 1.1 TB/s on an H200 that copies at 4.
__device__ __forceinline__ int permute0213_source(int o, int B, int C, int D) {
    int d = o % D, t = o / D;   // out index o = ((a*C + c)*B + b)*D + d
    int b = t % B;
    t /= B;
    int c = t % C, a = t / C;
    return ((a * B + b) * C + c) * D + d;
}

extern "C" __global__ void permute0213_forward_float4(const float* x, float* out, int A, int B, int C, int D, int accumulate) {
    long long n4 = (long long)A * B * C * D / 4;   // the loop counter in 64 bits: q + stride must not wrap
    for (long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x; q < n4; q += (long long)gridDim.x * blockDim.x) {
        float4 v = reinterpret_cast<const float4*>(x)[permute0213_source(4 * (int)q, B, C, D) / 4];
        float4* o = reinterpret_cast<float4*>(out) + q;
        if (accumulate) {
            float4 w = *o;
            v = make_float4(w.x + v.x, w.y + v.y, w.z + v.z, w.w + v.w);
        }
        *o = v;
    }
}

extern "C" __global__ void permute0213_forward_elementwise(const float* x, float* out, int A, int B, int C, int D, int accumulate) {
    long long n = (long long)A * B * C * D;
    for (long long o = blockIdx.x * (long long)blockDim.x + threadIdx.x; o < n; o += (long long)gridDim.x * blockDim.x) {
        float v = x[permute0213_source((int)o, B, C, D)];
        if (accumulate) out[o] += v; else out[o] = v;
    }
}
