// jbert's own SGEMM, used where cuBLAS (libcublas.so.12) is missing. Row-major, batched, all four
// transpose combinations:
//   C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b],  C[b] [M, N], op(A[b]) [M, K], op(B[b]) [K, N]
// A[b] starts at b*M*K, B[b] at b*K*N, C[b] at b*M*N. Mirrors jbert.engine.ops.Matmul.
//
// Technique (the classic register-blocked shared-memory GEMM; see Volkov & Demmel 2008, and the
// layout of CUTLASS's SIMT "128x128x8" tile):
// - A block of 256 threads computes a 128x128 tile of C, walking K in slices of 8.
// - Each slice of op(A) (128x8) and op(B) (8x128) is staged in shared memory, k-major, so the inner
//   loop reads a column of A and a row of B as float4s. Two shared buffers: while the block multiplies
//   slice t, each thread already holds slice t+1 in registers and stores it into the other buffer
//   afterwards (one barrier per slice).
// - Each thread accumulates an 8x8 block of C in registers: rows {ty*4 + 0..3, 64 + ty*4 + 0..3},
//   columns {tx*4 + 0..3, 64 + tx*4 + 0..3}. Splitting the 8 rows into two groups of 4, 64 apart,
//   keeps every shared-memory float4 read free of bank conflicts.
// - float4 global loads when the contiguous dimension of each operand is a multiple of 4 (the
//   "_float4" entry point); the "_scalar" one handles any size, including odd ones.
// - Split-K: when M and N are too small to fill the GPU (weight gradients: [768, 768] with K = B*T),
//   gridDim.z carries batch * splits; each split multiplies a chunk of K and atomically adds
//   alpha * partial into C, which the host has already scaled by beta.
// Accumulation is plain fp32 fmaf; the order over K differs from the CPU's, so results agree to
// rounding (relative 1e-6 at K = 3072), not bit for bit.

#include "MatmulTiles.cuh"

#define SMEM_PAD 4   // breaks the 2-way bank conflict of the transposed stores; rows stay 16-byte aligned

// Stores a slice loaded by load_a_slice / load_b_slice k-major: S[k][m or n].
__device__ __forceinline__ void store_slice(float (*S)[TILE_M + SMEM_PAD], int transposedRead, const float r[4]) {
    int tid = threadIdx.x;
    if (transposedRead) {
        // The thread read 4 consecutive k of one row/column index.
        int mn = tid / 2, k = (tid % 2) * 4;
        for (int i = 0; i < 4; i++) S[k + i][mn] = r[i];
    } else {
        // The thread read 4 consecutive row/column indices of one k.
        int k = tid / 32, mn = (tid % 32) * 4;
        *reinterpret_cast<float4*>(&S[k][mn]) = make_float4(r[0], r[1], r[2], r[3]);
    }
}

template <bool VEC>
__device__ __forceinline__ void matmul_tiled_128x128(int transA, int transB, int M, int N, int K, float alpha,
                                                     const float* __restrict__ A, const float* __restrict__ B,
                                                     float beta, float* C, int splits, int kChunk, int atomicAccumulate) {
    __shared__ __align__(16) float As[2][TILE_K][TILE_M + SMEM_PAD];
    __shared__ __align__(16) float Bs[2][TILE_K][TILE_N + SMEM_PAD];

    int batch = blockIdx.z / splits, split = blockIdx.z % splits;
    A += (long long)batch * M * K;
    B += (long long)batch * K * N;
    C += (long long)batch * M * N;
    int kBegin = split * kChunk;
    int kEnd = min(K, kBegin + kChunk);
    int m0 = blockIdx.y * TILE_M, n0 = blockIdx.x * TILE_N;
    int tx = threadIdx.x % 16, ty = threadIdx.x / 16;

    float acc[8][8];
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) acc[i][j] = 0.0f;

    int slices = kEnd > kBegin ? (kEnd - kBegin + TILE_K - 1) / TILE_K : 0;
    float ra[4], rb[4];
    if (slices > 0) {
        load_a_slice<VEC>(A, transA, M, K, m0, kBegin, kEnd, ra);
        load_b_slice<VEC>(B, transB, N, K, n0, kBegin, kEnd, rb);
        store_slice(As[0], !transA, ra);
        store_slice(Bs[0], transB, rb);
        __syncthreads();
    }
    for (int t = 0; t < slices; t++) {
        int cur = t & 1;
        bool more = t + 1 < slices;
        if (more) {
            int k0 = kBegin + (t + 1) * TILE_K;
            load_a_slice<VEC>(A, transA, M, K, m0, k0, kEnd, ra);
            load_b_slice<VEC>(B, transB, N, K, n0, k0, kEnd, rb);
        }
#pragma unroll
        for (int k = 0; k < TILE_K; k++) {
            float4 a0 = *reinterpret_cast<const float4*>(&As[cur][k][ty * 4]);
            float4 a1 = *reinterpret_cast<const float4*>(&As[cur][k][64 + ty * 4]);
            float4 b0 = *reinterpret_cast<const float4*>(&Bs[cur][k][tx * 4]);
            float4 b1 = *reinterpret_cast<const float4*>(&Bs[cur][k][64 + tx * 4]);
            float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        if (more) {
            store_slice(As[cur ^ 1], !transA, ra);
            store_slice(Bs[cur ^ 1], transB, rb);
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 8; i++) {
        int row = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
        if (row >= M) continue;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            int col = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + (j - 4));
            if (col >= N) continue;
            store_c(C, row, col, N, alpha, acc[i][j], beta, atomicAccumulate);
        }
    }
}

extern "C" __global__ void __launch_bounds__(256)
matmul_sgemm_tiled128_float4(int transA, int transB, int M, int N, int K, float alpha, const float* A, const float* B,
                             float beta, float* C, int splits, int kChunk, int atomicAccumulate) {
    matmul_tiled_128x128<true>(transA, transB, M, N, K, alpha, A, B, beta, C, splits, kChunk, atomicAccumulate);
}

extern "C" __global__ void __launch_bounds__(256)
matmul_sgemm_tiled128_scalar(int transA, int transB, int M, int N, int K, float alpha, const float* A, const float* B,
                             float beta, float* C, int splits, int kChunk, int atomicAccumulate) {
    matmul_tiled_128x128<false>(transA, transB, M, N, K, alpha, A, B, beta, C, splits, kChunk, atomicAccumulate);
}
