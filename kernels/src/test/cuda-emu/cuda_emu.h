// A CPU emulation of the small part of CUDA C that jbert's kernels use, so that their indexing,
// synchronisation and reductions can be checked on a machine without a GPU (KernelEmulationTest).
//
// Every CUDA thread of a block is a std::thread; __syncthreads is a std::barrier over the block and
// __shfl_xor_sync exchanges values through a per-warp buffer between two warp barriers. Blocks run
// one after another, so `static` stands in for __shared__. What this cannot show: timing, the real
// memory model, register pressure, alignment faults. It is a logic check, not a GPU.
#pragma once
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;

struct float4 {
    float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
struct uint4 {
    unsigned x, y, z, w;
};
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __restrict__ __restrict
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))

using std::min;
using std::max;

namespace emu {
inline std::barrier<>* blockBarrier;
inline std::vector<std::unique_ptr<std::barrier<>>> warpBarriers;
inline double warpExchange[32][32];
inline float dynamicShared[1 << 16];
}  // namespace emu

inline void __syncthreads() { emu::blockBarrier->arrive_and_wait(); }

// With width < 32 the warp is cut into aligned segments of width lanes; a lane whose partner
// lane ^ offset lies in another segment gets its own value back (the PTX ISA's shfl.sync.bfly).
template <class T>
inline T __shfl_xor_sync(unsigned, T v, int offset, int width = 32) {
    unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    unsigned from = lane ^ offset;
    if (from / width != lane / width) from = lane;
    emu::warpExchange[warp][lane] = (double)v;
    emu::warpBarriers[warp]->arrive_and_wait();
    T r = (T)emu::warpExchange[warp][from];
    emu::warpBarriers[warp]->arrive_and_wait();
    return r;
}

inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }

// cvt.rna.tf32.f32: keep 10 mantissa bits, rounding to nearest with ties away from zero.
#define JBERT_CUDA_EMULATION
inline float to_tf32(float x) {
    if (!std::isfinite(x)) return x;
    unsigned u = __float_as_uint(x);
    u = (u + 0x1000u) & 0xFFFFE000u;   // add half of the dropped 13 bits' weight to the magnitude, truncate
    return __uint_as_float(u);
}

namespace emu {
inline unsigned mmaExchange[32][32][6];
}

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 over the warp, from the PTX ISA fragment layout:
// g = lane / 4, t = lane % 4; A: a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4);
// B: b0 (t, g), b1 (t+4, g); C: c0 (g, 2t), c1 (g, 2t+1), c2 (g+8, 2t), c3 (g+8, 2t+1).
inline void mma_m16n8k8_tf32(float c[4], const unsigned a[4], const unsigned b[2]) {
    unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    for (int i = 0; i < 4; i++) emu::mmaExchange[warp][lane][i] = a[i];
    emu::mmaExchange[warp][lane][4] = b[0];
    emu::mmaExchange[warp][lane][5] = b[1];
    emu::warpBarriers[warp]->arrive_and_wait();
    auto A = [&](int r, int k) { return __uint_as_float(emu::mmaExchange[warp][(r % 8) * 4 + k % 4][(r >= 8 ? 1 : 0) + (k >= 4 ? 2 : 0)]); };
    auto B = [&](int k, int n) { return __uint_as_float(emu::mmaExchange[warp][n * 4 + k % 4][4 + (k >= 4 ? 1 : 0)]); };
    int g = lane / 4, t = lane % 4;
    for (int e = 0; e < 4; e++) {
        int r = g + (e >= 2 ? 8 : 0), n = 2 * t + (e & 1);
        float sum = c[e];
        for (int k = 0; k < 8; k++) sum += A(r, k) * B(k, n);
        c[e] = sum;
    }
    emu::warpBarriers[warp]->arrive_and_wait();
}

inline float atomicAdd(float* p, float v) { return std::atomic_ref<float>(*p).fetch_add(v); }
inline double atomicAdd(double* p, double v) { return std::atomic_ref<double>(*p).fetch_add(v); }

// Launches kernel(args...) on a grid of blocks of block.x*block.y*block.z threads. The threads are
// made once per launch and walk the blocks in order, meeting at a barrier of their own between two
// blocks (so `static` shared memory is never used by two blocks at once).
template <class... P, class... A>
void launch(void (*kernel)(P...), dim3 grid, dim3 block, A... args) {
    gridDim = grid;
    blockDim = block;
    unsigned n = block.x * block.y * block.z;
    std::barrier<> syncthreads(n), betweenBlocks(n);
    emu::blockBarrier = &syncthreads;
    emu::warpBarriers.clear();
    for (unsigned w = 0; w < (n + 31) / 32; w++) emu::warpBarriers.push_back(std::make_unique<std::barrier<>>(std::min(32u, n - 32 * w)));
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < n; t++) {
        threads.emplace_back([&, t] {
            threadIdx = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
            for (unsigned bz = 0; bz < grid.z; bz++)
                for (unsigned by = 0; by < grid.y; by++)
                    for (unsigned bx = 0; bx < grid.x; bx++) {
                        blockIdx = {bx, by, bz};
                        kernel(args...);
                        betweenBlocks.arrive_and_wait();
                    }
        });
    }
    for (auto& th : threads) th.join();
}
