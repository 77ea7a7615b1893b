package jbert.bench;

import jbert.engine.Storage;
import jbert.kernels.CudaBackend;
import jbert.kernels.driver.ForeignLaunch;
import jbert.kernels.driver.GraphDriver;
import jbert.kernels.memory.CudaStorage;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;

import java.util.Locale;
import java.util.Random;

import static jcuda.driver.JCudaDriver.*;

/**
 * {@link DeviceCheck}'s kernel sections: memory-bound kernels in GB/s of compulsory traffic next to a
 * device-to-device copy measured in the same run, the optimizer's multi-tensor passes, the host's cost
 * of a launch against a CUDA graph's replay, and GEMM GFLOP/s at BERT-base shapes. Kernel times are
 * CUDA events around repeated launches on the backend's stream.
 */
final class GpuKernelCheck {
    private final CudaBackend be;
    private final DeviceCheck out;
    /** The device-to-device copy's GB/s, from the bandwidth section (NaN before it ran). */
    private double copyGBs = Double.NaN;

    GpuKernelCheck(CudaBackend be, DeviceCheck out) {
        this.be = be;
        this.out = out;
    }

    // ---- timing -----------------------------------------------------------------------------------

    /** Mean milliseconds of {@code body} over {@code reps} runs, by CUDA events around them (2 warm-up runs first). */
    private double timeMs(int reps, Runnable body) {
        body.run();
        body.run();
        CUevent start = new CUevent(), stop = new CUevent();
        cuEventCreate(start, 0);
        cuEventCreate(stop, 0);
        cuEventRecord(start, be.stream());
        for (int i = 0; i < reps; i++) body.run();
        cuEventRecord(stop, be.stream());
        cuEventSynchronize(stop);
        float[] ms = new float[1];
        cuEventElapsedTime(ms, start, stop);
        cuEventDestroy(start);
        cuEventDestroy(stop);
        return ms[0] / reps;
    }

    /** One block of Gaussians that {@link #varied} cycles through: 438M Gaussians for the optimizer's tensors would take seconds. */
    private static final float[] GAUSSIANS = gaussians();

    private static float[] gaussians() {
        Random r = new Random(7);
        float[] g = new float[1 << 20];
        for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
        return g;
    }

    /**
     * n floats of scale * N(0, 1) (absolute values when {@code positive}), taken from {@link #GAUSSIANS}
     * at an offset of the seed: varied, never zero, cheap. Timed kernels read values like a real step's:
     * zeros can take short paths through division and square roots, or compress (on the H200 neither
     * showed: a copy and AdamW ran as fast on zeros as on these).
     */
    private static Storage varied(CudaBackend b, long n, long seed, float scale, boolean positive) {
        float[] h = new float[(int) n];
        int off = (int) (seed * 104729 % GAUSSIANS.length);
        for (int i = 0; i < h.length; i++) {
            float g = scale * GAUSSIANS[(off + i) & (GAUSSIANS.length - 1)];
            h[i] = positive ? Math.abs(g) : g;
        }
        return b.upload(h);
    }

    private Storage varied(long n, long seed, float scale, boolean positive) { return varied(be, n, seed, scale, positive); }

    /** n floats of N(0, 1), as {@link #varied}. */
    private static Storage random(CudaBackend b, long n, long seed) { return varied(b, n, seed, 1f, false); }

    // ---- 1. memory-bound kernels ------------------------------------------------------------------

    void bandwidth() {
        int rows = 32 * 1024, cols = 768;
        long n = (long) rows * cols;                      // 25M floats, 96 MiB per tensor
        Storage x = random(be, n, 1), y = be.allocate(n), z = be.allocate(n);
        CUdeviceptr xp = ((CudaStorage) x).ptr(), yp = ((CudaStorage) y).ptr();
        double copyMs = timeMs(20, () -> cuMemcpyDtoDAsync(yp, xp, 4 * n, be.stream()));
        double copy = 8.0 * n / copyMs / 1e6;             // GB/s: read + write
        copyGBs = copy;
        out.row("bandwidth", "device-to-device copy", copy, "GB/s", "cuMemcpyDtoD of " + (4 * n >> 20) + " MiB");
        // The same copy of zeros: faster would mean the memory system compresses them, and zeros
        // would overstate any kernel timed on them.
        Storage zeros = be.allocate(n);
        CUdeviceptr zp = ((CudaStorage) zeros).ptr();
        report("device-to-device copy of zeros", copy, 8.0 * n, timeMs(20, () -> cuMemcpyDtoDAsync(yp, zp, 4 * n, be.stream())));
        be.release(zeros);
        // Backend.copy and fill are kernels (a graph can re-argue them): they should match the driver's.
        report("copy kernel (Backend.copy)", copy, 8.0 * n, timeMs(20, () -> be.copy(x, y, n)));
        report("fill kernel (Backend.fill)", copy, 4.0 * n, timeMs(20, () -> be.fill(y, 0.5f)));
        report("cuMemsetD32 (the fill kernel's reference)", copy, 4.0 * n, timeMs(20, () -> cuMemsetD32Async(yp, 0x3f000000, n, be.stream())));

        Storage gamma = random(be, cols, 2), beta = random(be, cols, 3), mean = be.allocate(rows), rstd = be.allocate(rows);
        Storage dgamma = be.allocate(cols), dbeta = be.allocate(cols);
        report("layernorm forward", copy, 8.0 * n, timeMs(20, () -> be.layernormForward(x, gamma, beta, y, mean, rstd, rows, cols, 1e-12f)));
        // backward reads dout and x, reads and writes dx: 16 bytes per element
        report("layernorm backward", copy, 16.0 * n, timeMs(20, () -> be.layernormBackward(x, y, gamma, mean, rstd, z, dgamma, dbeta, rows, cols)));
        int B = 128, NH = 12, T = 128;                    // 25M scores
        Storage mask = be.allocate((long) B * T);
        report("softmax forward (masked)", copy, 8.0 * n, timeMs(20, () -> be.softmaxForward(x, mask, 0.125f, y, B, NH, T)));
        Storage mask64 = be.allocate(512L * 64);           // T = 64, the fine-tuning runs' length: 25M scores again
        report("softmax forward (masked), T=64", copy, 8.0 * n, timeMs(20, () -> be.softmaxForward(x, mask64, 0.125f, y, 512, 12, 64)));
        // The lane-group kernel that T = 64 takes, forced at T = 128: whether T = 128 should take it too.
        report("softmax forward (masked), T=128, lane-group kernel", copy, 8.0 * n,
                timeMs(20, () -> be.softmaxForwardLaneGroups(x, mask, 0.125f, y, B, NH, T)));
        // backward reads probs and dprobs, reads and writes dscores: 16 bytes per element
        report("softmax backward", copy, 16.0 * n, timeMs(20, () -> be.softmaxBackward(x, y, z, 0.125f, B, NH, T)));
        report("softmax backward, T=64", copy, 16.0 * n, timeMs(20, () -> be.softmaxBackward(x, y, z, 0.125f, 512, 12, 64)));
        be.release(mask64);
        report("gelu forward", copy, 8.0 * n, timeMs(20, () -> be.geluForward(x, y, n)));
        report("bias+gelu forward", copy, 12.0 * n, timeMs(20, () -> be.biasGeluForward(x, gamma, y, z, rows, cols)));
        // Attention's head split [B, T, NH, D] -> [B, NH, T, D] at B=256, T=128; backward accumulates (reads out too).
        report("permute0213 (split heads)", copy, 8.0 * n, timeMs(20, () -> be.permute0213(x, y, 256, 128, 12, 64, false)));
        report("permute0213 accumulate (merge heads, backward)", copy, 12.0 * n, timeMs(20, () -> be.permute0213(x, y, 256, 128, 12, 64, true)));
        // AdamW on zeros without zero_grad (28 bytes per element: read p, g, m, v, write p, m, v), then
        // on varied values, then as a training step runs it (clip scale, zero_grad: 32 bytes).
        Storage p0 = be.allocate(n), g0 = be.allocate(n), m0 = be.allocate(n), v0 = be.allocate(n);
        report("adamw update, zeros", copy, 28.0 * n, timeMs(20, () -> be.adamwUpdate(p0, g0, m0, v0, n, 1e-5f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f, 1f, false)));
        for (Storage z0 : new Storage[]{p0, g0, m0, v0}) be.release(z0);
        Storage p = varied(n, 4, 0.05f, false), g = varied(n, 5, 1e-3f, false), m = varied(n, 6, 1e-4f, false), v = varied(n, 7, 1e-7f, true);
        report("adamw update, varied values", copy, 28.0 * n, timeMs(20, () -> be.adamwUpdate(p, g, m, v, n, 1e-5f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f, 1f, false)));
        report("adamw update", copy, 32.0 * n, timeMs(20, () -> be.adamwUpdate(p, g, m, v, n, 1e-5f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f, 0.9f, true)));
        for (Storage s : new Storage[]{x, y, z, gamma, beta, mean, rstd, dgamma, dbeta, mask, p, g, m, v}) be.release(s);
    }

    /**
     * The optimizer's passes over BERT-base's 201 parameter tensors: the multi-tensor AdamW (one launch)
     * against the same update tensor by tensor (201 launches), and the gradient norm (one launch and
     * one host read-back, against 201 of each).
     */
    void multiTensor() {
        java.util.List<Long> sizes = new java.util.ArrayList<>(java.util.List.of(30522L * 768, 512L * 768, 2L * 768, 768L, 768L));
        for (int layer = 0; layer < 12; layer++) {
            for (int i = 0; i < 4; i++) { sizes.add(768L * 768); sizes.add(768L); }   // query, key, value, attention output
            sizes.add(768L); sizes.add(768L);                                          // LayerNorm
            sizes.add(768L * 3072); sizes.add(3072L); sizes.add(3072L * 768); sizes.add(768L);
            sizes.add(768L); sizes.add(768L);                                          // LayerNorm
        }
        sizes.add(768L * 768); sizes.add(768L); sizes.add(2L * 768); sizes.add(2L);     // pooler, classifier
        int count = sizes.size();
        long[] ns = sizes.stream().mapToLong(Long::longValue).toArray();
        Storage[] p = new Storage[count], g = new Storage[count], m = new Storage[count], v = new Storage[count];
        float[] decays = new float[count];
        long total = 0;
        for (int i = 0; i < count; i++) {
            p[i] = varied(ns[i], 4 * i, 0.05f, false); g[i] = varied(ns[i], 4 * i + 1, 1e-3f, false);
            m[i] = varied(ns[i], 4 * i + 2, 1e-4f, false); v[i] = varied(ns[i], 4 * i + 3, 1e-7f, true);
            decays[i] = ns[i] % 768 == 0 && ns[i] > 3072 ? 0.01f : 0f;
            total += ns[i];
        }
        // As a training step runs it: clip scale 0.9, zero_grad (32 bytes per element; the zeroed
        // gradients then stay zero, which the update reads like any other value).
        double multi = timeMs(10, () -> be.adamwUpdate(p, g, m, v, ns, 1e-5f, 0.9f, 0.999f, 1e-8f, decays, 0.1f, 0.001f, 0.9f, true));
        double single = timeMs(10, () -> {
            for (int i = 0; i < count; i++) be.adamwUpdate(p[i], g[i], m[i], v[i], ns[i], 1e-5f, 0.9f, 0.999f, 1e-8f, decays[i], 0.1f, 0.001f, 0.9f, true);
        });
        String what = count + " BERT-base tensors, " + total + " floats";
        report("adamw " + count + " tensors, one launch", copyGBs, 32.0 * total, multi);
        report("adamw " + count + " tensors, a launch each", copyGBs, 32.0 * total, single);
        // The host's part after the JIT has compiled the table lookup (a training run makes thousands of
        // these calls; the first few dozen run interpreted).
        for (int r = 0; r < 200; r++) be.adamwUpdate(p, g, m, v, ns, 1e-5f, 0.9f, 0.999f, 1e-8f, decays, 0.1f, 0.001f, 0.9f, true);
        be.synchronize();
        long h0 = System.nanoTime();
        for (int r = 0; r < 10; r++) be.adamwUpdate(p, g, m, v, ns, 1e-5f, 0.9f, 0.999f, 1e-8f, decays, 0.1f, 0.001f, 0.9f, true);
        double hostUs = (System.nanoTime() - h0) / 1e3 / 10;
        be.synchronize();
        out.row("multi-tensor", "adamw " + count + " tensors, host time per call", hostUs, "us", "the call's own cost (table lookup, launch), not waiting for the GPU");
        long t0 = System.nanoTime();
        for (int r = 0; r < 10; r++) be.sumOfSquares(g, ns);
        double normMulti = (System.nanoTime() - t0) / 1e6 / 10;
        t0 = System.nanoTime();
        for (int r = 0; r < 10; r++) for (int i = 0; i < count; i++) be.sumOfSquares(g[i], ns[i]);
        double normSingle = (System.nanoTime() - t0) / 1e6 / 10;
        out.row("multi-tensor", "gradient norm " + count + " tensors, one launch", normMulti, "ms", "wall time incl. the read-back; " + what);
        out.row("multi-tensor", "gradient norm " + count + " tensors, a launch each", normSingle, "ms", "wall time incl. " + count + " read-backs");
        for (Storage[] list : new Storage[][]{p, g, m, v}) for (Storage s : list) be.release(s);
    }

    /**
     * What one backend call costs the host, kernel launch included: bursts of 1,000 small GELUs timed
     * up to the last launch (the GPU keeps up with none of them waiting), the median of 7 bursts.
     */
    void launchCost(CudaBackend b) {
        Storage x = random(b, 1024, 1), y = b.allocate(1024);
        double[] us = new double[7];
        for (int r = -2; r < us.length; r++) {                 // two bursts of warm-up
            b.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) b.geluForward(x, y, 1024);
            double each = (System.nanoTime() - t0) / 1e3 / 1000;
            b.synchronize();
            if (r >= 0) us[r] = each;
        }
        java.util.Arrays.sort(us);
        out.row("launch", "host time per call", us[us.length / 2], "us", "geluForward of 1024 floats, median of 7 bursts of 1000");
        b.release(x);
        b.release(y);
        graphProbe(b);
    }

    /**
     * What a CUDA graph saves: the same 1,000 small GELUs launched one by one on the backend's stream,
     * then captured once into a graph (GraphDriver, as StepGraphs captures a step) and replayed.
     */
    private void graphProbe(CudaBackend b) {
        Storage x = random(b, 1024, 1), y = b.allocate(1024);
        int launches = 1000;
        Runnable burst = () -> { for (int i = 0; i < launches; i++) b.geluForward(x, y, 1024); };
        burst.run();
        b.synchronize();
        long t0 = System.nanoTime();
        for (int r = 0; r < 5; r++) burst.run();
        b.synchronize();
        double eagerUs = (System.nanoTime() - t0) / 1e3 / (5.0 * launches);
        GraphDriver graphs = GraphDriver.driver();
        long stream = ForeignLaunch.handle(b.stream());
        graphs.beginCapture(stream);
        burst.run();
        long graph = graphs.endCapture(stream), exec = graphs.instantiate(graph);
        graphs.launch(exec, stream);
        b.synchronize();
        t0 = System.nanoTime();
        for (int r = 0; r < 5; r++) graphs.launch(exec, stream);
        b.synchronize();
        double graphUs = (System.nanoTime() - t0) / 1e3 / (5.0 * launches);
        out.row("launch", "eager, per kernel (waited for)", eagerUs, "us", launches + " GELUs of 1024 floats, 5 bursts");
        out.row("launch", "CUDA graph replay, per kernel", graphUs, "us", "the same " + launches + " launches captured once, 5 replays");
        graphs.destroy(exec, graph);
        b.release(x);
        b.release(y);
    }

    private void report(String name, double copyGBs, double bytes, double ms) {
        double gbs = bytes / ms / 1e6;
        out.row("bandwidth", name, gbs, "GB/s", String.format(Locale.ROOT, "%.0f%% of copy", 100 * gbs / copyGBs));
    }

    // ---- 2. GEMM ----------------------------------------------------------------------------------

    void gemm(CudaBackend be) {
        // {transA, transB, batch, M, N, K, what}: BERT-base at B*T = 4096 tokens.
        Object[][] shapes = {
                {false, true, 1, 4096, 2304, 768, "QKV projection x W^T"},
                {false, true, 1, 4096, 3072, 768, "FFN up"},
                {false, true, 1, 4096, 768, 3072, "FFN down"},
                {true, false, 1, 768, 768, 4096, "dW = dY^T X (split-K)"},
                {true, false, 1, 3072, 768, 4096, "FFN dW (split-K)"},
                {true, false, 1, 2304, 768, 4096, "QKV dW (split-K)"},
                {false, true, 384, 128, 128, 64, "attention Q K^T"},
                {false, false, 384, 128, 64, 128, "attention P V"}};
        for (Object[] s : shapes) {
            boolean tA = (Boolean) s[0], tB = (Boolean) s[1];
            int batch = (Integer) s[2], M = (Integer) s[3], N = (Integer) s[4], K = (Integer) s[5];
            Storage a = random(be, (long) batch * M * K, 4), b = random(be, (long) batch * K * N, 5), c = be.allocate((long) batch * M * N);
            double ms = timeMs(10, () -> be.matmul(tA, tB, batch, M, N, K, 1f, a, b, 0f, c));
            out.row("gemm", s[6] + " " + batch + "x" + M + "x" + N + "x" + K, 2.0 * batch * M * N * K / ms / 1e6, "GFLOP/s", be.gemmDescription());
            be.release(a);
            be.release(b);
            be.release(c);
        }
    }
}
