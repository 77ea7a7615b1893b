// Inverted dropout (Srivastava et al. 2014) with a counter-based random number per element:
//   keep_i = uniform(seed, i) >= p,   out_i = keep_i ? x_i * keepScale : 0,   keepScale = 1 / (1 - p)
// keepScale comes from the host, rounded to float exactly as the CPU reference rounds it (0 when
// p = 1), so kept elements match the CPU bit for bit too.
// uniform is jbert.engine.Rng.uniform bit for bit: SplitMix64's finaliser (Steele, Lea, Flood 2014)
// of seed + (i + 1) * golden gamma, top 24 bits scaled by 2^-24. Java's long arithmetic wraps modulo
// 2^64 and >>> is a logical shift, exactly unsigned 64-bit arithmetic here, so the CPU and the GPU
// drop the same elements. No mask is stored: backward regenerates it from the seed.

__device__ __forceinline__ float rng_uniform(unsigned long long seed, unsigned long long counter) {
    unsigned long long z = seed + (counter + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    // 24-bit integer -> float is exact, and so is the power-of-two scale.
    return (float)(unsigned int)(z >> 40) * 5.9604644775390625e-08f;
}

extern "C" __global__ void dropout_forward_counter_rng(const float* x, float* out, long long n, float p, float keepScale,
                                                       unsigned long long seed) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = rng_uniform(seed, (unsigned long long)i) >= p ? x[i] * keepScale : 0.0f;
    }
}

// dx += dout * mask * keepScale, with the mask regenerated from the same seed.
extern "C" __global__ void dropout_backward_counter_rng(const float* dout, float* dx, long long n, float p, float keepScale,
                                                        unsigned long long seed) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        if (rng_uniform(seed, (unsigned long long)i) >= p) dx[i] += dout[i] * keepScale;
    }
}
