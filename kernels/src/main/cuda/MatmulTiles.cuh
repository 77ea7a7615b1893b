// The global-memory side shared by jbert's two GEMM kernels (Matmul.cu: fp32 FMA; MatmulTf32.cu:
// TF32 tensor cores): a block computes a 128x128 tile of C and walks K in 8-wide slices; each of its
// 256 threads loads 4 elements of the op(A) slice (128x8) and 4 of the op(B) slice (8x128), and
// stores its share of the tile through store_c.
// VEC: float4 loads, valid when the operand's contiguous dimension is a multiple of 4 (rows stay
// 16-byte aligned; host-side TiledGemm.vectorisable decides). Out-of-range elements read as 0.
#pragma once

#define TILE_M 128
#define TILE_N 128
#define TILE_K 8

// Loads this thread's 4 elements of the op(A) slice [m0, m0+128) x [k0, k0+8) into r.
template <bool VEC>
__device__ __forceinline__ void load_a_slice(const float* A, int transA, int M, int K, int m0, int k0, int kEnd, float r[4]) {
    int tid = threadIdx.x;
    if (!transA) {
        // A is [M, K]: a thread reads 4 consecutive k of one row.
        int m = m0 + tid / 2, k = k0 + (tid % 2) * 4;
        const float* src = A + (long long)m * K + k;
        if (VEC) {
            float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (m < M && k < kEnd) v = *reinterpret_cast<const float4*>(src);
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        } else {
            for (int i = 0; i < 4; i++) r[i] = (m < M && k + i < kEnd) ? src[i] : 0.0f;
        }
    } else {
        // A is stored [K, M]: a thread reads 4 consecutive m of one k.
        int k = k0 + tid / 32, m = m0 + (tid % 32) * 4;
        const float* src = A + (long long)k * M + m;
        if (VEC) {
            float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (k < kEnd && m < M) v = *reinterpret_cast<const float4*>(src);
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        } else {
            for (int i = 0; i < 4; i++) r[i] = (k < kEnd && m + i < M) ? src[i] : 0.0f;
        }
    }
}

// Loads this thread's 4 elements of the op(B) slice [k0, k0+8) x [n0, n0+128) into r.
template <bool VEC>
__device__ __forceinline__ void load_b_slice(const float* B, int transB, int N, int K, int n0, int k0, int kEnd, float r[4]) {
    int tid = threadIdx.x;
    if (!transB) {
        // B is [K, N]: 4 consecutive n of one k.
        int k = k0 + tid / 32, n = n0 + (tid % 32) * 4;
        const float* src = B + (long long)k * N + n;
        if (VEC) {
            float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (k < kEnd && n < N) v = *reinterpret_cast<const float4*>(src);
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        } else {
            for (int i = 0; i < 4; i++) r[i] = (k < kEnd && n + i < N) ? src[i] : 0.0f;
        }
    } else {
        // B is stored [N, K]: 4 consecutive k of one n.
        int n = n0 + tid / 2, k = k0 + (tid % 2) * 4;
        const float* src = B + (long long)n * K + k;
        if (VEC) {
            float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (n < N && k < kEnd) v = *reinterpret_cast<const float4*>(src);
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        } else {
            for (int i = 0; i < 4; i++) r[i] = (n < N && k + i < kEnd) ? src[i] : 0.0f;
        }
    }
}

// C[row, col] = alpha * acc + beta * C[row, col] (acc: the accumulated product), or C += alpha * acc
// with an atomic when split-K's slices of K add into the same C. beta == 0 never reads C (it may hold NaN).
__device__ __forceinline__ void store_c(float* C, int row, int col, int N, float alpha, float acc, float beta, int atomicAccumulate) {
    float* c = C + (long long)row * N + col;
    float val = alpha * acc;
    if (atomicAccumulate) atomicAdd(c, val);
    else *c = beta == 0.0f ? val : val + beta * *c;
}
