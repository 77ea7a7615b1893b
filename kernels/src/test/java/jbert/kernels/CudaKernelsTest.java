package jbert.kernels;

import jbert.engine.Rng;
import jbert.engine.Storage;
import jbert.kernels.memory.CachingAllocator;
import jbert.kernels.memory.CudaOutOfMemoryException;
import jbert.kernels.ops.Softmax;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static jbert.kernels.Gpu.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every CUDA kernel against the CPU's scalar reference kernels, forward and backward, on fresh random
 * inputs at several shapes, odd ones included. fp32 within 1e-5 relative (of the tensor's scale).
 * Backward kernels start from non-zero gradients on both sides to check that they accumulate.
 * Matrix products are in {@link CudaGemmTest}.
 */
class CudaKernelsTest {
    static final double TOL = 1e-5;
    static CudaBackend gpu;
    final Random r = new Random(42);

    @BeforeAll static void open() { gpu = Gpu.backend(); }

    static final int[][] ROWS_COLS = {{1, 1}, {3, 7}, {17, 33}, {64, 768}, {5, 1000}, {130, 3072}};

    @Test void elementwiseAddAxpyScale() {
        for (int n : new int[]{1, 7, 1000, 65_537}) {
            Pair a = pair(gpu, random(r, n, 1)), b = pair(gpu, random(r, n, 1)), out = zeros(gpu, n);
            CPU.add(a.cpu(), b.cpu(), out.cpu(), n);
            gpu.add(a.gpu(), b.gpu(), out.gpu(), n);
            assertAgree("add n=" + n, gpu, out, TOL);
            CPU.axpy(-0.37f, a.cpu(), b.cpu(), n);
            gpu.axpy(-0.37f, a.gpu(), b.gpu(), n);
            assertAgree("axpy n=" + n, gpu, b, TOL);
            CPU.scale(2.5f, a.cpu(), a.cpu(), n);            // in place, as the contract allows
            gpu.scale(2.5f, a.gpu(), a.gpu(), n);
            assertAgree("scale in place n=" + n, gpu, a, TOL);
        }
    }

    @Test void biasForwardAndBackward() {
        for (int[] s : ROWS_COLS) {
            int rows = s[0], cols = s[1], n = rows * cols;
            Pair x = pair(gpu, random(r, n, 1)), bias = pair(gpu, random(r, cols, 1)), out = zeros(gpu, n);
            CPU.biasForward(x.cpu(), bias.cpu(), out.cpu(), rows, cols);
            gpu.biasForward(x.gpu(), bias.gpu(), out.gpu(), rows, cols);
            assertAgree("biasForward " + rows + "x" + cols, gpu, out, TOL);
            Pair dbias = pair(gpu, random(r, cols, 1));
            CPU.biasBackward(x.cpu(), dbias.cpu(), rows, cols);
            gpu.biasBackward(x.gpu(), dbias.gpu(), rows, cols);
            assertAgree("biasBackward " + rows + "x" + cols, gpu, dbias, TOL);
        }
    }

    @Test void geluAndBiasGeluForwardAndBackward() {
        for (int[] s : ROWS_COLS) {
            int rows = s[0], cols = s[1], n = rows * cols;
            Pair x = pair(gpu, random(r, n, 3)), out = zeros(gpu, n);
            CPU.geluForward(x.cpu(), out.cpu(), n);
            gpu.geluForward(x.gpu(), out.gpu(), n);
            assertAgree("gelu " + n, gpu, out, TOL);
            Pair dout = pair(gpu, random(r, n, 1)), dx = pair(gpu, random(r, n, 1));
            CPU.geluBackward(x.cpu(), dout.cpu(), dx.cpu(), n);
            gpu.geluBackward(x.gpu(), dout.gpu(), dx.gpu(), n);
            assertAgree("geluBackward " + n, gpu, dx, TOL);

            Pair bias = pair(gpu, random(r, cols, 1)), pre = zeros(gpu, n), out2 = zeros(gpu, n);
            CPU.biasGeluForward(x.cpu(), bias.cpu(), pre.cpu(), out2.cpu(), rows, cols);
            gpu.biasGeluForward(x.gpu(), bias.gpu(), pre.gpu(), out2.gpu(), rows, cols);
            assertAgree("biasGelu pre " + rows + "x" + cols, gpu, pre, TOL);
            assertAgree("biasGelu out " + rows + "x" + cols, gpu, out2, TOL);
            Pair dbias = pair(gpu, random(r, cols, 1));
            CPU.biasGeluBackward(pre.cpu(), dout.cpu(), dx.cpu(), dbias.cpu(), rows, cols);
            gpu.biasGeluBackward(pre.gpu(), dout.gpu(), dx.gpu(), dbias.gpu(), rows, cols);
            assertAgree("biasGeluBackward dx " + rows + "x" + cols, gpu, dx, TOL);
            assertAgree("biasGeluBackward dbias " + rows + "x" + cols, gpu, dbias, TOL);

            // Inference passes the same storage as pre and out.
            Pair same = zeros(gpu, n);
            CPU.biasGeluForward(x.cpu(), bias.cpu(), same.cpu(), same.cpu(), rows, cols);
            gpu.biasGeluForward(x.gpu(), bias.gpu(), same.gpu(), same.gpu(), rows, cols);
            assertAgree("biasGelu pre == out " + rows + "x" + cols, gpu, same, TOL);
        }
    }

    @Test void tanhForwardAndBackward() {
        for (int n : new int[]{1, 33, 768 * 5}) {
            Pair x = pair(gpu, random(r, n, 2)), y = zeros(gpu, n);
            CPU.tanhForward(x.cpu(), y.cpu(), n);
            gpu.tanhForward(x.gpu(), y.gpu(), n);
            assertAgree("tanh " + n, gpu, y, TOL);
            Pair dout = pair(gpu, random(r, n, 1)), dx = pair(gpu, random(r, n, 1));
            CPU.tanhBackward(y.cpu(), dout.cpu(), dx.cpu(), n);
            gpu.tanhBackward(y.gpu(), dout.gpu(), dx.gpu(), n);
            assertAgree("tanhBackward " + n, gpu, dx, TOL);
        }
    }

    @Test void layernormAndResidualLayernormForwardAndBackward() {
        int[][] shapes = {{1, 1}, {3, 7}, {17, 33}, {64, 768}, {5, 1000}, {3, 7000}};   // 7000: partials in global memory
        for (int[] s : shapes) {
            int rows = s[0], cols = s[1], n = rows * cols;
            float[] xh = random(r, n, 2);
            for (int i = 0; i < n; i++) xh[i] += 3;                     // a mean far from 0
            Pair x = pair(gpu, xh), gamma = pair(gpu, random(r, cols, 1)), beta = pair(gpu, random(r, cols, 1));
            Pair out = zeros(gpu, n), mean = zeros(gpu, rows), rstd = zeros(gpu, rows);
            CPU.layernormForward(x.cpu(), gamma.cpu(), beta.cpu(), out.cpu(), mean.cpu(), rstd.cpu(), rows, cols, 1e-12f);
            gpu.layernormForward(x.gpu(), gamma.gpu(), beta.gpu(), out.gpu(), mean.gpu(), rstd.gpu(), rows, cols, 1e-12f);
            String shape = rows + "x" + cols;
            assertAgree("layernorm out " + shape, gpu, out, TOL);
            assertAgree("layernorm mean " + shape, gpu, mean, TOL);
            if (cols > 1) assertAgree("layernorm rstd " + shape, gpu, rstd, TOL);   // cols 1: var 0, rstd = 1e6 from eps

            Pair dout = pair(gpu, random(r, n, 1)), dx = pair(gpu, random(r, n, 1));
            Pair dgamma = pair(gpu, random(r, cols, 1)), dbeta = pair(gpu, random(r, cols, 1));
            CPU.layernormBackward(dout.cpu(), x.cpu(), gamma.cpu(), mean.cpu(), rstd.cpu(), dx.cpu(), dgamma.cpu(), dbeta.cpu(), rows, cols);
            gpu.layernormBackward(dout.gpu(), x.gpu(), gamma.gpu(), mean.gpu(), rstd.gpu(), dx.gpu(), dgamma.gpu(), dbeta.gpu(), rows, cols);
            if (cols > 1) {
                assertAgree("layernormBackward dx " + shape, gpu, dx, TOL);
                assertAgree("layernormBackward dgamma " + shape, gpu, dgamma, TOL);
            }
            assertAgree("layernormBackward dbeta " + shape, gpu, dbeta, TOL);

            Pair a = pair(gpu, random(r, n, 1)), sum = zeros(gpu, n);
            CPU.residualLayernormForward(a.cpu(), x.cpu(), gamma.cpu(), beta.cpu(), sum.cpu(), out.cpu(), mean.cpu(), rstd.cpu(), rows, cols, 1e-5f);
            gpu.residualLayernormForward(a.gpu(), x.gpu(), gamma.gpu(), beta.gpu(), sum.gpu(), out.gpu(), mean.gpu(), rstd.gpu(), rows, cols, 1e-5f);
            assertAgree("residual layernorm sum " + shape, gpu, sum, TOL);
            assertAgree("residual layernorm out " + shape, gpu, out, TOL);
            assertAgree("residual layernorm rstd " + shape, gpu, rstd, TOL);
        }
    }

    @Test void maskedSoftmaxForwardAndBackward() {
        // Rows shorter and longer than a warp, at and past BERT's 512 positions. T % 4 == 0 up to 64
        // takes the lane-group kernels (T = 4, 8, 12, 40, 64; at 12 and 40 some lanes of every group
        // idle, at 2x3x8 rows of a block past the batch's end), the rest one warp per row (T = 128 too).
        int[][] shapes = {{1, 1, 1}, {2, 3, 4}, {2, 3, 7}, {2, 3, 8}, {3, 2, 12}, {3, 1, 33}, {2, 3, 40}, {1, 3, 64}, {4, 12, 64},
                {2, 12, 128}, {1, 1, 129}, {1, 2, 200}, {1, 1, 256}, {1, 2, 512}, {1, 1, 513}, {2, 1, 600}};
        for (int[] s : shapes) {
            int B = s[0], NH = s[1], T = s[2], n = B * NH * T * T;
            float[] mask = new float[B * T];
            for (int b = 0; b < B; b++) {
                int real = 1 + r.nextInt(T);          // at least one real token per sequence, the rest padding
                for (int t = real; t < T; t++) mask[b * T + t] = -Float.MAX_VALUE;
            }
            float scale = (float) (1 / Math.sqrt(64));
            Pair scores = pair(gpu, random(r, n, 4)), m = pair(gpu, mask), probs = zeros(gpu, n);
            CPU.softmaxForward(scores.cpu(), m.cpu(), scale, probs.cpu(), B, NH, T);
            gpu.softmaxForward(scores.gpu(), m.gpu(), scale, probs.gpu(), B, NH, T);
            String shape = B + "x" + NH + "x" + T;
            assertAgree("softmax " + shape, gpu, probs, TOL);
            if (Softmax.laneGroup(B, NH, T) > 0) {
                // The lane-group forward whatever the dispatch picks (T = 128 too), in place.
                Storage inPlace = gpu.upload(gpu.download(scores.gpu()));
                gpu.softmaxForwardLaneGroups(inPlace, m.gpu(), scale, inPlace, B, NH, T);
                assertAgree("softmax lane groups in place " + shape, CPU.download(probs.cpu()), gpu.download(inPlace), TOL);
                gpu.release(inPlace);
            }
            Pair dprobs = pair(gpu, random(r, n, 1)), dscores = pair(gpu, random(r, n, 0.1f));
            CPU.softmaxBackward(probs.cpu(), dprobs.cpu(), dscores.cpu(), scale, B, NH, T);
            gpu.softmaxBackward(probs.gpu(), dprobs.gpu(), dscores.gpu(), scale, B, NH, T);
            assertAgree("softmaxBackward " + shape, gpu, dscores, TOL);
        }
    }

    @Test void permuteSelectTokenForwardAndBackward() {
        // D % 4 == 0 takes the float4 kernel, other D the elementwise one.
        int[][] shapes = {{1, 1, 1, 1}, {2, 3, 5, 7}, {4, 128, 12, 64}, {3, 5, 2, 4}, {2, 7, 3, 6}};
        for (int[] s : shapes) {
            int A = s[0], B = s[1], C = s[2], D = s[3], n = A * B * C * D;
            Pair x = pair(gpu, random(r, n, 1)), out = pair(gpu, random(r, n, 1));
            CPU.permute0213(x.cpu(), out.cpu(), A, B, C, D, false);
            gpu.permute0213(x.gpu(), out.gpu(), A, B, C, D, false);
            assertAgree("permute0213 " + java.util.Arrays.toString(s), gpu, out, 0);
            CPU.permute0213(x.cpu(), out.cpu(), A, B, C, D, true);
            gpu.permute0213(x.gpu(), out.gpu(), A, B, C, D, true);
            assertAgree("permute0213 accumulate " + java.util.Arrays.toString(s), gpu, out, TOL);
        }
        int B = 3, T = 5, H = 7;
        Pair x = pair(gpu, random(r, B * T * H, 1)), sel = zeros(gpu, B * H);
        for (int index : new int[]{0, 4}) {
            CPU.selectToken(x.cpu(), sel.cpu(), B, T, H, index);
            gpu.selectToken(x.gpu(), sel.gpu(), B, T, H, index);
            assertAgree("selectToken " + index, gpu, sel, 0);
            CPU.selectTokenBackward(sel.cpu(), x.cpu(), B, T, H, index);
            gpu.selectTokenBackward(sel.gpu(), x.gpu(), B, T, H, index);
            assertAgree("selectTokenBackward " + index, gpu, x, TOL);
        }
        assertThrows(IllegalArgumentException.class, () -> gpu.selectToken(x.gpu(), sel.gpu(), B, T, H, T));
    }

    @Test void embeddingGatherAndScatterAdd() {
        int V = 50, H = 33, n = 300;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(V / 5);   // many repeats: the scatter-add collides
        Pair table = pair(gpu, random(r, V * H, 1)), out = zeros(gpu, n * H);
        CPU.embeddingForward(ids, table.cpu(), out.cpu(), n, H);
        gpu.embeddingForward(ids, table.gpu(), out.gpu(), n, H);
        assertAgree("embedding gather", gpu, out, 0);
        Pair dout = pair(gpu, random(r, n * H, 1)), dtable = pair(gpu, random(r, V * H, 1));
        int[] withPadding = ids.clone();
        for (int i = 0; i < n; i += 7) withPadding[i] = -1;      // padding_idx rows: skipped
        CPU.embeddingBackward(withPadding, dout.cpu(), dtable.cpu(), n, H);
        gpu.embeddingBackward(withPadding, dout.gpu(), dtable.gpu(), n, H);
        assertAgree("embedding scatter-add", gpu, dtable, TOL);
        // Same ids again (served from the upload cache), then different ids of the same length.
        CPU.embeddingBackward(ids, dout.cpu(), dtable.cpu(), n, H);
        gpu.embeddingBackward(ids, dout.gpu(), dtable.gpu(), n, H);
        int[] other = ids.clone();
        other[0] = V - 1;
        CPU.embeddingForward(other, table.cpu(), out.cpu(), n, H);
        gpu.embeddingForward(other, table.gpu(), out.gpu(), n, H);
        assertAgree("embedding scatter-add again", gpu, dtable, TOL);
        assertAgree("embedding gather, changed ids", gpu, out, 0);

        int[] bad = ids.clone();
        bad[5] = V;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpu.embeddingForward(bad, table.gpu(), out.gpu(), n, H));
        assertTrue(e.getMessage().contains("id " + V + " at position 5"), e.getMessage());
    }

    @Test void dropoutDropsTheSameElementsAsTheCpu() {
        int n = 10_007;
        for (float p : new float[]{0f, 0.1f, 0.5f, 1f}) {
            long seed = r.nextLong();
            Pair x = pair(gpu, random(r, n, 1)), out = zeros(gpu, n);
            CPU.dropoutForward(x.cpu(), out.cpu(), n, p, seed);
            gpu.dropoutForward(x.gpu(), out.gpu(), n, p, seed);
            float[] want = CPU.download(out.cpu()), got = gpu.download(out.gpu());
            int dropped = 0;
            for (int i = 0; i < n; i++) {
                boolean kept = Rng.uniform(seed, i) >= p;
                if (!kept) dropped++;
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "dropout p=" + p + " element " + i);
            }
            if (p == 0.5f) assertTrue(Math.abs(dropped - n / 2) < 300, dropped + " of " + n + " dropped");
            Pair dout = pair(gpu, random(r, n, 1)), dx = pair(gpu, random(r, n, 1));
            CPU.dropoutBackward(dout.cpu(), dx.cpu(), n, p, seed);
            gpu.dropoutBackward(dout.gpu(), dx.gpu(), n, p, seed);
            assertAgree("dropoutBackward p=" + p, gpu, dx, TOL);
        }
    }

    @Test void crossEntropyForwardAndBackward() {
        int[][] shapes = {{1, 1}, {4, 3}, {32, 2}, {7, 100}, {3, 30522}};
        for (int[] s : shapes) {
            int N = s[0], C = s[1];
            int[] labels = new int[N];
            for (int i = 0; i < N; i++) labels[i] = r.nextInt(C);
            Pair logits = pair(gpu, random(r, N * C, 3)), probs = zeros(gpu, N * C);
            double want = CPU.crossEntropyForward(logits.cpu(), labels, probs.cpu(), N, C);
            double got = gpu.crossEntropyForward(logits.gpu(), labels, probs.gpu(), N, C);
            assertEquals(want, got, 1e-6 * Math.max(1, Math.abs(want)), "cross-entropy " + N + "x" + C);
            assertAgree("cross-entropy probs " + N + "x" + C, gpu, probs, TOL);
            Pair dlogits = pair(gpu, random(r, N * C, 0.1f));
            CPU.crossEntropyBackward(probs.cpu(), labels, dlogits.cpu(), 1f / N, N, C);
            gpu.crossEntropyBackward(probs.gpu(), labels, dlogits.gpu(), 1f / N, N, C);
            assertAgree("cross-entropy backward " + N + "x" + C, gpu, dlogits, TOL);
        }
        Pair logits = pair(gpu, random(r, 6, 1)), probs = zeros(gpu, 6);
        assertThrows(IllegalArgumentException.class, () -> gpu.crossEntropyForward(logits.gpu(), new int[]{0, 3}, probs.gpu(), 2, 3));
    }

    @Test void sumOfSquaresInDouble() {
        for (int n : new int[]{1, 255, 256, 1_000_003}) {
            Pair x = pair(gpu, random(r, n, 1));
            double want = CPU.sumOfSquares(x.cpu(), n), got = gpu.sumOfSquares(x.gpu(), n);
            assertEquals(want, got, 1e-12 * want, "sumOfSquares n=" + n);
        }
    }

    @Test void fusedAdamWMatchesTheReferenceStepByStep() {
        int n = 10_001;
        Pair p = pair(gpu, random(r, n, 0.02f)), m = zeros(gpu, n), v = zeros(gpu, n);
        for (int t = 1; t <= 3; t++) {
            Pair g = pair(gpu, random(r, n, 0.01f));
            float bc1 = (float) (1 - Math.pow(0.9, t)), bc2 = (float) (1 - Math.pow(0.999, t));
            // Step 2 scales the gradient (clipping, fused); step 3 also zeroes it once read.
            float gradScale = t == 2 ? 0.5f : 1f;
            boolean zero = t == 3;
            for (float wd : new float[]{0f, 0.01f}) {
                CPU.adamwUpdate(p.cpu(), g.cpu(), m.cpu(), v.cpu(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, bc1, bc2, gradScale, zero);
                gpu.adamwUpdate(p.gpu(), g.gpu(), m.gpu(), v.gpu(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, bc1, bc2, gradScale, zero);
            }
            if (zero) for (float f : gpu.download(g.gpu())) assertEquals(0f, f, "adamw zeroGrad");
            assertAgree("adamw param step " + t, gpu, p, TOL);
            assertAgree("adamw m step " + t, gpu, m, TOL);
            assertAgree("adamw v step " + t, gpu, v, TOL);
        }
    }

    /**
     * The multi-tensor forms (one launch over a list) against the CPU backend's, which call the
     * single-tensor kernels tensor by tensor: sizes from 1 to several chunks, an empty tensor, tails
     * that are not whole float4s; three steps, so the device table is built once and reused.
     */
    @Test void multiTensorNormScaleFillAndAdamWMatchTheSingleTensorKernels() {
        long[] ns = {1, 7, 0, 768, 32_768, 70_001, 3 * 32_768 + 5};
        int T = ns.length;
        Pair[] p = new Pair[T], g = new Pair[T], m = new Pair[T], v = new Pair[T];
        for (int i = 0; i < T; i++) {
            p[i] = pair(gpu, random(r, (int) ns[i], 0.02f));
            m[i] = zeros(gpu, (int) ns[i]);
            v[i] = zeros(gpu, (int) ns[i]);
        }
        float[] decays = new float[T];
        for (int i = 0; i < T; i++) decays[i] = i % 2 == 0 ? 0.01f : 0f;
        for (int t = 1; t <= 3; t++) {
            for (int i = 0; i < T; i++) g[i] = pair(gpu, random(r, (int) ns[i], 0.01f));
            jbert.engine.Storage[] gc = cpuOf(g), gg = gpuOf(g);
            double want = CPU.sumOfSquares(gc, ns), got = gpu.sumOfSquares(gg, ns);
            assertEquals(want, got, 1e-12 * want, "multi-tensor sumOfSquares step " + t);
            CPU.scale(0.37f, gc, ns);
            gpu.scale(0.37f, gg, ns);
            float bc1 = (float) (1 - Math.pow(0.9, t)), bc2 = (float) (1 - Math.pow(0.999, t));
            // Step 3 also scales once more inside AdamW (the fused clipping) and zeroes the gradients.
            float gradScale = t == 3 ? 0.5f : 1f;
            CPU.adamwUpdate(cpuOf(p), gc, cpuOf(m), cpuOf(v), ns, 1e-3f, 0.9f, 0.999f, 1e-8f, decays, bc1, bc2, gradScale, t == 3);
            gpu.adamwUpdate(gpuOf(p), gg, gpuOf(m), gpuOf(v), ns, 1e-3f, 0.9f, 0.999f, 1e-8f, decays, bc1, bc2, gradScale, t == 3);
            for (int i = 0; i < T; i++) {
                String what = " tensor " + i + " (" + ns[i] + ") step " + t;
                assertAgree("multi-tensor scale" + what, gpu, g[i], TOL);
                assertAgree("multi-tensor adamw param" + what, gpu, p[i], TOL);
                assertAgree("multi-tensor adamw m" + what, gpu, m[i], TOL);
                assertAgree("multi-tensor adamw v" + what, gpu, v[i], TOL);
            }
            gpu.fill(gg, 0f);
            for (int i = 0; i < T; i++) for (float f : gpu.download(gg[i])) assertEquals(0f, f, "multi-tensor fill tensor " + i);
        }
    }

    private static jbert.engine.Storage[] cpuOf(Pair[] ps) {
        jbert.engine.Storage[] s = new jbert.engine.Storage[ps.length];
        for (int i = 0; i < ps.length; i++) s[i] = ps[i].cpu();
        return s;
    }

    private static jbert.engine.Storage[] gpuOf(Pair[] ps) {
        jbert.engine.Storage[] s = new jbert.engine.Storage[ps.length];
        for (int i = 0; i < ps.length; i++) s[i] = ps[i].gpu();
        return s;
    }

    @Test void memoryOpsAndArgumentChecks() {
        float[] h = random(r, 1001, 1);
        var s = gpu.upload(h);
        assertArrayEquals(h, gpu.download(s));
        var c = gpu.allocate(1001);
        gpu.copy(s, c, 1001);
        assertArrayEquals(h, gpu.download(c));
        gpu.fill(c, 2.5f);
        for (float f : gpu.download(c)) assertEquals(2.5f, f);
        gpu.upload(new float[]{7, 8}, c);
        float[] back = gpu.download(c);
        assertEquals(7f, back[0]);
        assertEquals(2.5f, back[2]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpu.add(s, c, gpu.allocate(10), 1001));
        assertTrue(e.getMessage().contains("out holds 10 floats, needs 1001"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> gpu.add(CPU.allocate(4), c, c, 4));
        gpu.release(c);
        assertThrows(IllegalStateException.class, () -> gpu.download(c));
        assertThrows(IllegalStateException.class, () -> gpu.release(c));
    }

    @Test void releasedBlocksAreReusedAndComeBackZeroed() {
        CachingAllocator<?> a = gpu.allocator();
        var first = gpu.allocate(12_345);
        gpu.fill(first, 9f);
        gpu.release(first);
        long before = a.driverAllocations();
        var second = gpu.allocate(12_345);                        // same bucket: the block comes back
        assertEquals(before, a.driverAllocations(), "no new cuMemAlloc");
        for (float f : gpu.download(second)) assertEquals(0f, f, "allocate() zero-fills a reused block");
        gpu.release(second);
    }

    @Test void outOfMemoryIsAClearException() {
        long floats = 1L << 40;                                   // 4 TiB
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> gpu.allocate(floats));
        assertEquals(floats * 4, e.requestedBytes());
        assertTrue(e.getMessage().contains(String.valueOf(floats * 4)), e.getMessage());
        // The backend keeps working afterwards.
        var s = gpu.upload(new float[]{1, 2, 3});
        assertArrayEquals(new float[]{1, 2, 3}, gpu.download(s));
    }
}
