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

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __restrict__ __restrict
#define __launch_bounds__(n)
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

template <class T>
inline T __shfl_xor_sync(unsigned, T v, int offset) {
    unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    emu::warpExchange[warp][lane] = (double)v;
    emu::warpBarriers[warp]->arrive_and_wait();
    T r = (T)emu::warpExchange[warp][lane ^ offset];
    emu::warpBarriers[warp]->arrive_and_wait();
    return r;
}

inline float atomicAdd(float* p, float v) { return std::atomic_ref<float>(*p).fetch_add(v); }
inline double atomicAdd(double* p, double v) { return std::atomic_ref<double>(*p).fetch_add(v); }

// Launches kernel(args...) on a grid of blocks, each of blockX*blockY threads.
template <class... P, class... A>
void launch(void (*kernel)(P...), dim3 grid, dim3 block, A... args) {
    gridDim = grid;
    blockDim = block;
    unsigned n = block.x * block.y * block.z;
    for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
            for (unsigned bx = 0; bx < grid.x; bx++) {
                std::barrier<> bar(n);
                emu::blockBarrier = &bar;
                emu::warpBarriers.clear();
                for (unsigned w = 0; w < (n + 31) / 32; w++) emu::warpBarriers.push_back(std::make_unique<std::barrier<>>(std::min(32u, n - 32 * w)));
                std::vector<std::thread> threads;
                for (unsigned t = 0; t < n; t++) {
                    threads.emplace_back([&, t] {
                        threadIdx = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
                        blockIdx = {bx, by, bz};
                        kernel(args...);
                    });
                }
                for (auto& th : threads) th.join();
            }
}
