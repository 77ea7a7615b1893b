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

// Both directions stream float4s over the first n/4*4 elements, then a scalar tail; element i always
// draws uniform(seed, i), whichever loop handles it.
extern "C" __global__ void dropout_forward_counter_rng(const float* x, float* out, long long n, float p, float keepScale,
                                                       unsigned long long seed) {
    long long n4 = n / 4, begin = blockIdx.x * (long long)blockDim.x + threadIdx.x, stride = (long long)gridDim.x * blockDim.x;
    for (long long i = begin; i < n4; i += stride) {
        float4 v = reinterpret_cast<const float4*>(x)[i];
        unsigned long long e = 4 * (unsigned long long)i;
        v.x = rng_uniform(seed, e) >= p ? v.x * keepScale : 0.0f;
        v.y = rng_uniform(seed, e + 1) >= p ? v.y * keepScale : 0.0f;
        v.z = rng_uniform(seed, e + 2) >= p ? v.z * keepScale : 0.0f;
        v.w = rng_uniform(seed, e + 3) >= p ? v.w * keepScale : 0.0f;
        reinterpret_cast<float4*>(out)[i] = v;
    }
    for (long long i = 4 * n4 + begin; i < n; i += stride) {
        out[i] = rng_uniform(seed, (unsigned long long)i) >= p ? x[i] * keepScale : 0.0f;
    }
}

// dx += dout * mask * keepScale, with the mask regenerated from the same seed.
extern "C" __global__ void dropout_backward_counter_rng(const float* dout, float* dx, long long n, float p, float keepScale,
                                                        unsigned long long seed) {
    long long n4 = n / 4, begin = blockIdx.x * (long long)blockDim.x + threadIdx.x, stride = (long long)gridDim.x * blockDim.x;
    for (long long i = begin; i < n4; i += stride) {
        float4 d = reinterpret_cast<const float4*>(dout)[i], g = reinterpret_cast<float4*>(dx)[i];
        unsigned long long e = 4 * (unsigned long long)i;
        if (rng_uniform(seed, e) >= p) g.x += d.x * keepScale;
        if (rng_uniform(seed, e + 1) >= p) g.y += d.y * keepScale;
        if (rng_uniform(seed, e + 2) >= p) g.z += d.z * keepScale;
        if (rng_uniform(seed, e + 3) >= p) g.w += d.w * keepScale;
        reinterpret_cast<float4*>(dx)[i] = g;
    }
    for (long long i = 4 * n4 + begin; i < n; i += stride) {
        if (rng_uniform(seed, (unsigned long long)i) >= p) dx[i] += dout[i] * keepScale;
    }
}
