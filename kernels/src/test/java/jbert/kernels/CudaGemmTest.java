package jbert.kernels;

import jbert.engine.Backend;
import jbert.engine.Storage;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static jbert.kernels.Gpu.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Matrix products on the GPU against the CPU reference (double accumulation): jbert's tiled SGEMM
 * always (float4 and scalar loads, split-K, batched), its TF32 tensor-core GEMM on sm_80+, and cuBLAS
 * where a binding loads (JCublas: libcublas.so.12; java.lang.foreign: libcublas.so.13); fp32 within
 * 1e-5 and TF32 within 1e-3 (relative to the output's scale).
 */
class CudaGemmTest {
    /** {batch, M, N, K}: tiny, odd, tile-exact, partial tiles, float4-able, split-K, batched attention. */
    static final int[][] SHAPES = {
            {1, 1, 1, 1}, {1, 3, 5, 7}, {2, 33, 65, 17}, {3, 128, 128, 64}, {1, 130, 257, 129},
            {1, 64, 64, 1000}, {1, 200, 132, 1536}, {12, 37, 41, 64}, {1, 256, 96, 0}};

    @Test void ownTiledSgemmMatchesTheReference() {
        CudaBackend be = Gpu.backend();
        checkAll(be.usesCublas() ? new CudaBackend(be.options().withGemm("own").withTf32(false), System.out::println) : be, 1e-5);
    }

    @Test void ownTf32TensorCoreGemmMatchesTheReferenceOnSm80AndNewer() {
        CudaBackend be = Gpu.backend();
        CudaBackend tf32 = new CudaBackend(be.options().withGemm("own").withTf32(true), System.out::println);
        if (!tf32.hasTensorCoreTf32()) {
            System.out.println("TF32 GEMM not tested: compute capability " + be.computeCapability() + " < 8.0");
            assertEquals("jbert tiled SGEMM (fp32)", tf32.gemmDescription());
            return;
        }
        assertEquals("jbert tiled GEMM (TF32 tensor cores)", tf32.gemmDescription());
        checkAll(tf32, 1e-3);
    }

    @Test void cublasMatchesTheReferenceWhereInstalled() {
        CudaBackend be = Gpu.backend();
        if (!be.usesCublas()) {
            // Not a skip of the GPU test as a whole: the own kernel above ran; cuBLAS is absent here.
            System.out.println("cuBLAS path not tested: " + be.gemmDescription() + " in use (neither libcublas.so.12 nor libcublas.so.13 loads)");
            assertEquals("jbert tiled SGEMM (fp32)", be.gemmDescription());
            return;
        }
        checkAll(new CudaBackend(be.options().withGemm("cublas").withTf32(false), System.out::println), 1e-5);
        checkAll(new CudaBackend(be.options().withGemm("cublas").withTf32(true), System.out::println), 1e-3);
    }

    static float[] abs(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = Math.abs(x[i]);
        return y;
    }

    static void checkAll(Backend gpu, double tol) {
        Random r = new Random(7);
        float[][] ab = {{1f, 0f}, {0.5f, 1f}, {-2f, 0.25f}};
        for (int[] s : SHAPES) {
            int batch = s[0], M = s[1], N = s[2], K = s[3];
            for (int combo = 0; combo < 4; combo++) {
                boolean tA = (combo & 1) != 0, tB = (combo & 2) != 0;
                float alpha = ab[combo % 3][0], beta = ab[combo % 3][1];
                float[] a = random(r, batch * M * K, 1), b = random(r, batch * K * N, 1), c = random(r, batch * M * N, 1);
                Pair A = pair(gpu, a), B = pair(gpu, b), C = pair(gpu, c);
                CPU.matmul(tA, tB, batch, M, N, K, alpha, A.cpu(), B.cpu(), beta, C.cpu());
                gpu.matmul(tA, tB, batch, M, N, K, alpha, A.gpu(), B.gpu(), beta, C.gpu());
                // The scale errors are judged against: |alpha| |op(A)| |op(B)| + |beta| |C|, the size of
                // the terms summed, so that an output that cancels to near zero is not judged by itself.
                var magnitude = CPU.upload(abs(c));
                CPU.matmul(tA, tB, batch, M, N, K, Math.abs(alpha), CPU.upload(abs(a)), CPU.upload(abs(b)), Math.abs(beta), magnitude);
                assertAgree(String.format("matmul %s tA=%b tB=%b batch=%d M=%d N=%d K=%d alpha=%s beta=%s",
                        gpu, tA, tB, batch, M, N, K, alpha, beta), CPU.download(C.cpu()), gpu.download(C.gpu()),
                        CPU.download(magnitude), tol);
            }
        }
        // beta = 0 must not read C: NaN there stays out of the result.
        Storage nanC = gpu.upload(new float[]{Float.NaN, Float.NaN, Float.NaN, Float.NaN});
        gpu.matmul(false, false, 1, 2, 2, 1, 1f, gpu.upload(new float[]{1, 2}), gpu.upload(new float[]{3, 4}), 0f, nanC);
        assertArrayEquals(new float[]{3, 4, 6, 8}, gpu.download(nanC));
    }
}
