package jbert.engine.ops;

import jbert.engine.Backend;
import jbert.engine.Backends;
import jbert.engine.Tensor;
import jbert.engine.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The in-place variants (dropout, masked softmax, bias + GELU, residual + LayerNorm, head permute,
 * each written over its input's storage) give exactly the out-of-place op's output and exactly its
 * gradients for everything upstream, when their input is a fresh product that nothing else reads (how
 * the model uses them). Sizes are not multiples of the vector width; both the fast and the reference
 * CPU kernels are checked.
 */
class InPlaceOpsTest {

    /**
     * Runs x = a W^T (a fresh product), then op(x), then backward from a fixed seed; returns the output
     * followed by dL/da, dL/dW and dL/d(each extra input).
     */
    private static float[][] run(Backend be, int rows, int in, int out, int[] viewShape, UnaryOperator<Tensor> op,
                                 Tensor... extras) {
        Random r = new Random(11);
        Tensor a = Tensor.of(be, GradCheck.random(r, rows * in), rows, in).requireGrad();      // [rows, in]
        Tensor w = Tensor.of(be, GradCheck.random(r, out * in), out, in).requireGrad();        // [out, in]
        Tensor x = Linear.forward(a, w, null);                                                 // [rows, out]
        Tensor y = op.apply(viewShape == null ? x : x.reshape(viewShape));
        float[] values = y.toArray();
        y.backward(GradCheck.random(r, (int) y.size()));
        float[][] result = new float[3 + extras.length][];
        result[0] = values;
        result[1] = a.grad().toArray();
        result[2] = w.grad().toArray();
        for (int i = 0; i < extras.length; i++) {
            result[3 + i] = extras[i].grad().toArray();
            extras[i].clearGrad();
        }
        return result;
    }

    private static void assertSame(float[][] want, float[][] got, String what) {
        for (int i = 0; i < want.length; i++) {
            String name = i == 0 ? "output" : i == 1 ? "dL/da" : i == 2 ? "dL/dW" : "dL/d(input " + (i - 3) + ")";
            assertArrayEquals(want[i], got[i], 0f, what + ": " + name);
        }
    }

    @Test void dropoutInPlaceMatchesDropout() {
        for (Backend be : new Backend[]{Backends.cpu(), CpuBackend.reference()}) {
            float[][] want = run(be, 7, 5, 37, null, x -> Dropout.forward(x, 0.3f, 99));
            float[][] got = run(be, 7, 5, 37, null, x -> Dropout.forwardInPlace(x, 0.3f, 99));
            assertSame(want, got, "dropout on " + be);
        }
    }

    @Test void softmaxInPlaceMatchesSoftmax() {
        int B = 2, NH = 3, T = 19;
        for (Backend be : new Backend[]{Backends.cpu(), CpuBackend.reference()}) {
            float[] m = new float[B * T];
            for (int t = 15; t < T; t++) m[T + t] = -Float.MAX_VALUE;                     // padding in item 1
            Tensor mask = Tensor.of(be, m, B, T);                                          // [B, T]
            int[] shape = {B, NH, T, T};
            float[][] want = run(be, B * NH * T, 6, T, shape, s -> Softmax.forward(s, mask, 0.125f));
            float[][] got = run(be, B * NH * T, 6, T, shape, s -> Softmax.forwardInPlace(s, mask, 0.125f));
            assertSame(want, got, "softmax on " + be);
        }
    }

    @Test void addLayerNormInPlaceMatchesAddLayerNorm() {
        for (Backend be : new Backend[]{Backends.cpu(), CpuBackend.reference()}) {
            Random r = new Random(5);
            Tensor residual = Tensor.of(be, GradCheck.random(r, 9 * 37), 9, 37).requireGrad();  // [9, 37]
            Tensor gamma = Tensor.of(be, GradCheck.random(r, 37), 37).requireGrad();            // [37]
            Tensor beta = Tensor.of(be, GradCheck.random(r, 37), 37).requireGrad();             // [37]
            float[][] want = run(be, 9, 5, 37, null, x -> AddLayerNorm.forward(x, residual, gamma, beta, 1e-12f),
                    residual, gamma, beta);
            float[][] got = run(be, 9, 5, 37, null, x -> AddLayerNorm.forwardInPlace(x, residual, gamma, beta, 1e-12f),
                    residual, gamma, beta);
            assertSame(want, got, "residual + LayerNorm on " + be);
        }
    }

    @Test void swapAxesInPlaceMatchesSwapAxes() {
        int[] shape = {2, 3, 5, 7};                                                            // [B, T, NH, D]
        for (Backend be : new Backend[]{Backends.cpu(), CpuBackend.reference()}) {
            float[][] want = run(be, 6, 4, 35, shape, SwapAxes12::forward);
            float[][] got = run(be, 6, 4, 35, shape, SwapAxes12::forwardInPlace);
            assertSame(want, got, "head permute on " + be);
        }
    }

    /**
     * The ops that recompute an activation in backward instead of keeping it give exactly the values
     * and gradients of the op pair they replace: the same kernels see the same inputs.
     */
    @Test void geluLinearMatchesBiasAddGeluThenLinear() {
        for (Backend be : new Backend[]{Backends.cpu(), CpuBackend.reference()}) {
            Random r = new Random(5);
            Tensor b1 = Tensor.of(be, GradCheck.random(r, 37), 37).requireGrad();             // [37]
            Tensor w2 = Tensor.of(be, GradCheck.random(r, 11 * 37), 11, 37).requireGrad();    // [11, 37]
            Tensor b2 = Tensor.of(be, GradCheck.random(r, 11), 11).requireGrad();             // [11]
            float[][] want = run(be, 9, 5, 37, null, x -> Linear.forward(Gelu.forward(BiasAdd.forward(x, b1)), w2, b2), b1, w2, b2);
            float[][] got = run(be, 9, 5, 37, null, x -> GeluLinear.forwardInPlace(x, b1, w2, b2), b1, w2, b2);
            assertSame(want, got, "GeluLinear on " + be);
        }
    }

    @Test void dropoutMatmulMatchesDropoutThenMatmul() {
        int B = 2, NH = 3, T = 19, D = 5;
        for (Backend be : new Backend[]{Backends.cpu(), CpuBackend.reference()}) {
            Tensor v = Tensor.of(be, GradCheck.random(new Random(6), B * NH * T * D), B, NH, T, D).requireGrad(); // [B, NH, T, D]
            int[] shape = {B, NH, T, T};
            float[][] want = run(be, B * NH * T, 6, T, shape, pr -> Matmul.forward(Dropout.forward(pr, 0.1f, 77), v, false), v);
            float[][] got = run(be, B * NH * T, 6, T, shape, pr -> DropoutMatmul.forward(pr, v, 0.1f, 77), v);
            assertSame(want, got, "DropoutMatmul on " + be);
        }
    }
}
