// build-arch: compute_80
// jbert's GEMM on TF32 tensor cores (sm_80+), for --tf32 where cuBLAS is missing. Same contract,
// layout and global loads as Matmul.cu (MatmulTiles.cuh):
//   C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b], row-major, batched, all transpose combinations.
// Inputs are rounded to TF32 (10-bit mantissa, round to nearest, ties away: cvt.rna.tf32.f32) as they
// enter shared memory; products accumulate in fp32. Expect relative errors near 1e-3, like cuBLAS
// with CUBLAS_TF32_TENSOR_OP_MATH or PyTorch with allow_tf32.
//
// Technique: a block of 8 warps computes a 128x128 tile of C, K in slices of 16 (two 8-wide loads
// per thread, double-buffered in shared memory). Warps form a 2x4 grid; each owns 64x32 of the tile:
// 4x4 tiles of the PTX instruction mma.sync.m16n8k8 (16x8 outputs, K = 8), i.e. 64 fp32
// accumulators per thread. Fragments follow the PTX ISA's m16n8k8 .tf32 layout: with g = lane / 4
// and t = lane % 4, A gives (g, t), (g+8, t), (g, t+4), (g+8, t+4); B gives (t, g), (t+4, g);
// C holds (g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1). Shared rows are padded to 136 floats so that
// the 32 lanes of a fragment load hit 32 different banks ((t * 136 + g) mod 32 = 8t + g).

#include "MatmulTiles.cuh"

#define TC_SLICE 16   // K per shared-memory stage: two TILE_K slices
#define TC_STRIDE 136

// The CPU emulation of the kernels (src/test/cuda-emu) supplies its own versions of these two.
#ifndef JBERT_CUDA_EMULATION
__device__ __forceinline__ float to_tf32(float x) {
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return __uint_as_float(r);
}

// c (16x8 fp32, this lane's 4) += a (16x8 tf32, 4) * b (8x8 tf32, 2), for the whole warp.
__device__ __forceinline__ void mma_m16n8k8_tf32(float c[4], const unsigned a[4], const unsigned b[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
#endif

// Stores a loaded 8-wide slice, rounded to TF32, k-major into S (rows of TC_STRIDE floats).
__device__ __forceinline__ void store_slice_tf32(float* S, int transposedRead, const float r[4]) {
    int tid = threadIdx.x;
    if (transposedRead) {
        int mn = tid / 2, k = (tid % 2) * 4;
        for (int i = 0; i < 4; i++) S[(k + i) * TC_STRIDE + mn] = to_tf32(r[i]);
    } else {
        int k = tid / 32, mn = (tid % 32) * 4;
        for (int i = 0; i < 4; i++) S[k * TC_STRIDE + mn + i] = to_tf32(r[i]);
    }
}

template <bool VEC>
__device__ __forceinline__ void matmul_tf32_128x128(int transA, int transB, int M, int N, int K, float alpha,
                                                    const float* __restrict__ A, const float* __restrict__ B,
                                                    float beta, float* C, int splits, int kChunk, int atomicAccumulate) {
    __shared__ __align__(16) float As[2][TC_SLICE * TC_STRIDE];
    __shared__ __align__(16) float Bs[2][TC_SLICE * TC_STRIDE];

    int batch = blockIdx.z / splits, split = blockIdx.z % splits;
    A += (long long)batch * M * K;
    B += (long long)batch * K * N;
    C += (long long)batch * M * N;
    int kBegin = split * kChunk;
    int kEnd = min(K, kBegin + kChunk);
    int m0 = blockIdx.y * TILE_M, n0 = blockIdx.x * TILE_N;
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    int wm = (warp / 4) * 64, wn = (warp % 4) * 32;   // this warp's 64x32 corner of the tile
    int g = lane / 4, t = lane % 4;

    float acc[4][4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int e = 0; e < 4; e++) acc[i][j][e] = 0.0f;

    int stages = kEnd > kBegin ? (kEnd - kBegin + TC_SLICE - 1) / TC_SLICE : 0;
    float ra[2][4], rb[2][4];
    if (stages > 0) {
        for (int h = 0; h < 2; h++) {
            load_a_slice<VEC>(A, transA, M, K, m0, kBegin + h * TILE_K, kEnd, ra[h]);
            load_b_slice<VEC>(B, transB, N, K, n0, kBegin + h * TILE_K, kEnd, rb[h]);
            store_slice_tf32(As[0] + h * TILE_K * TC_STRIDE, !transA, ra[h]);
            store_slice_tf32(Bs[0] + h * TILE_K * TC_STRIDE, transB, rb[h]);
        }
        __syncthreads();
    }
    for (int s = 0; s < stages; s++) {
        int cur = s & 1;
        bool more = s + 1 < stages;
        if (more) {
            for (int h = 0; h < 2; h++) {
                int k0 = kBegin + (s + 1) * TC_SLICE + h * TILE_K;
                load_a_slice<VEC>(A, transA, M, K, m0, k0, kEnd, ra[h]);
                load_b_slice<VEC>(B, transB, N, K, n0, k0, kEnd, rb[h]);
            }
        }
        const float* as = As[cur];
        const float* bs = Bs[cur];
#pragma unroll
        for (int kk = 0; kk < TC_SLICE; kk += 8) {
            unsigned a[4][4], b[4][2];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int m = wm + i * 16 + g;
                a[i][0] = __float_as_uint(as[(kk + t) * TC_STRIDE + m]);
                a[i][1] = __float_as_uint(as[(kk + t) * TC_STRIDE + m + 8]);
                a[i][2] = __float_as_uint(as[(kk + t + 4) * TC_STRIDE + m]);
                a[i][3] = __float_as_uint(as[(kk + t + 4) * TC_STRIDE + m + 8]);
            }
#pragma unroll
            for (int j = 0; j < 4; j++) {
                int n = wn + j * 8 + g;
                b[j][0] = __float_as_uint(bs[(kk + t) * TC_STRIDE + n]);
                b[j][1] = __float_as_uint(bs[(kk + t + 4) * TC_STRIDE + n]);
            }
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) mma_m16n8k8_tf32(acc[i][j], a[i], b[j]);
        }
        if (more) {
            for (int h = 0; h < 2; h++) {
                store_slice_tf32(As[cur ^ 1] + h * TILE_K * TC_STRIDE, !transA, ra[h]);
                store_slice_tf32(Bs[cur ^ 1] + h * TILE_K * TC_STRIDE, transB, rb[h]);
            }
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int j = 0; j < 4; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int row = m0 + wm + i * 16 + g + (e >= 2 ? 8 : 0);
                int col = n0 + wn + j * 8 + 2 * t + (e & 1);
                if (row >= M || col >= N) continue;
                store_c(C, row, col, N, alpha, acc[i][j][e], beta, atomicAccumulate);
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(256)
matmul_tf32_mma_tiled128_float4(int transA, int transB, int M, int N, int K, float alpha, const float* A, const float* B,
                                float beta, float* C, int splits, int kChunk, int atomicAccumulate) {
    matmul_tf32_128x128<true>(transA, transB, M, N, K, alpha, A, B, beta, C, splits, kChunk, atomicAccumulate);
}

extern "C" __global__ void __launch_bounds__(256)
matmul_tf32_mma_tiled128_scalar(int transA, int transB, int M, int N, int K, float alpha, const float* A, const float* B,
                                float beta, float* C, int splits, int kChunk, int atomicAccumulate) {
    matmul_tf32_128x128<false>(transA, transB, M, N, K, alpha, A, B, beta, C, splits, kChunk, atomicAccumulate);
}
