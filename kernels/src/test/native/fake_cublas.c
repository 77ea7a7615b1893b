// A stand-in for libcublas.so.13 that NativeCublasGemmTest builds with gcc: the six functions jbert
// binds, with cuBLAS's documented contract (cuBLAS Library User Guide, cublas<t>gemm and
// cublas<t>gemmStridedBatched), computed on host memory. The "device pointers" the test passes are
// host addresses, so the whole Java path (library loading, symbol lookup, argument order and types,
// the row-major to column-major swap, leading dimensions, batch strides, host-scalar alpha/beta) runs
// without a GPU. What it cannot check is the real library on a real device: that is the GPU test.
//
// Column-major: element (i, j) of an m x n matrix with leading dimension ld is at [i + j * ld].
// C = alpha * op(A) op(B) + beta * C; op(A) is m x k, op(B) is k x n; with beta == 0, C is not read.

#include <stddef.h>

#define CUBLAS_STATUS_SUCCESS 0
#define CUBLAS_STATUS_NOT_INITIALIZED 1
#define CUBLAS_STATUS_INVALID_VALUE 7

static int math_mode = -1;
static int handles_created = 0;
static int gemm_calls = 0, batched_calls = 0;
static char the_handle;

int fake_cublas_math_mode(void) { return math_mode; }
int fake_cublas_gemm_calls(void) { return gemm_calls; }
int fake_cublas_batched_calls(void) { return batched_calls; }

int cublasCreate_v2(void** handle) {
    if (handle == NULL) return CUBLAS_STATUS_INVALID_VALUE;
    *handle = &the_handle;
    handles_created++;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSetMathMode(void* handle, int mode) {
    if (handle != &the_handle) return CUBLAS_STATUS_NOT_INITIALIZED;
    math_mode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

static void* stream;
void* fake_cublas_stream(void) { return stream; }

int cublasSetStream_v2(void* handle, void* s) {
    (void)handle;
    stream = s;
    return 0;
}

int cublasGetVersion_v2(void* handle, int* version) {
    if (handle != &the_handle) return CUBLAS_STATUS_NOT_INITIALIZED;
    *version = 130100;
    return CUBLAS_STATUS_SUCCESS;
}

static int max1(int a) { return a > 1 ? a : 1; }

// cuBLAS's argument checks: op in {N = 0, T = 1}, sizes >= 0, and each leading dimension at least
// the stored matrix's row count.
static int check(int ta, int tb, int m, int n, int k, int lda, int ldb, int ldc) {
    if ((ta != 0 && ta != 1) || (tb != 0 && tb != 1)) return CUBLAS_STATUS_INVALID_VALUE;
    if (m < 0 || n < 0 || k < 0) return CUBLAS_STATUS_INVALID_VALUE;
    if (lda < max1(ta == 0 ? m : k)) return CUBLAS_STATUS_INVALID_VALUE;
    if (ldb < max1(tb == 0 ? k : n)) return CUBLAS_STATUS_INVALID_VALUE;
    if (ldc < max1(m)) return CUBLAS_STATUS_INVALID_VALUE;
    return CUBLAS_STATUS_SUCCESS;
}

static void gemm(int ta, int tb, int m, int n, int k, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int l = 0; l < k; l++) {
                double a = ta == 0 ? A[i + (size_t)l * lda] : A[l + (size_t)i * lda];
                double b = tb == 0 ? B[l + (size_t)j * ldb] : B[j + (size_t)l * ldb];
                s += a * b;
            }
            float* c = &C[i + (size_t)j * ldc];
            *c = beta == 0.0f ? (float)(alpha * s) : (float)(alpha * s + (double)beta * *c);
        }
    }
}

int cublasSgemm_v2(void* handle, int ta, int tb, int m, int n, int k, const float* alpha,
                   const float* A, int lda, const float* B, int ldb, const float* beta, float* C, int ldc) {
    if (handle != &the_handle) return CUBLAS_STATUS_NOT_INITIALIZED;
    int status = check(ta, tb, m, n, k, lda, ldb, ldc);
    if (status != CUBLAS_STATUS_SUCCESS) return status;
    gemm_calls++;
    gemm(ta, tb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc);
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSgemmStridedBatched(void* handle, int ta, int tb, int m, int n, int k, const float* alpha,
                              const float* A, int lda, long long strideA, const float* B, int ldb, long long strideB,
                              const float* beta, float* C, int ldc, long long strideC, int batchCount) {
    if (handle != &the_handle) return CUBLAS_STATUS_NOT_INITIALIZED;
    int status = check(ta, tb, m, n, k, lda, ldb, ldc);
    if (status != CUBLAS_STATUS_SUCCESS || batchCount < 0) return status ? status : CUBLAS_STATUS_INVALID_VALUE;
    batched_calls++;
    for (int b = 0; b < batchCount; b++) {
        gemm(ta, tb, m, n, k, *alpha, A + b * strideA, lda, B + b * strideB, ldb, *beta, C + b * strideC, ldc);
    }
    return CUBLAS_STATUS_SUCCESS;
}
