package jbert.engine.cpu;

/**
 * The single-thread blocked product that {@link PackedGemm} splits across threads, compiled for one
 * {@link GemmPlan} ({@link PackedGemm#compile}; the code is {@link BlockedGemm}).
 */
interface GemmKernel {

    /** The plan this kernel was compiled for. */
    GemmPlan plan();

    /**
     * C = alpha * op(A) @ op(B) + beta * C restricted to C[m0:m1, n0:n1], on the calling thread. A is
     * op(A) [M, K] stored from aOff ([K, M] if transA), B is op(B) [K, N] stored from bOff ([N, K] if
     * transB), C [M, N] from cOff.
     */
    void gemm(boolean transA, boolean transB, int M, int N, int K, float alpha,
              float[] A, int aOff, float[] B, int bOff, float beta, float[] C, int cOff,
              int m0, int m1, int n0, int n1);
}
