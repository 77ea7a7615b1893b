package jbert.engine.ops;

import jbert.engine.Backend;
import jbert.engine.Backends;
import jbert.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static jbert.engine.ops.GradCheck.check;
import static jbert.engine.ops.GradCheck.random;

/** Every op's backward against central finite differences, on random inputs of awkward sizes. */
class OpGradientTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(7);

    private Tensor leaf(int... shape) {
        return Tensor.of(be, random(r, (int) Tensor.numel(shape)), shape).requireGrad();
    }

    @Test void linear() {
        Tensor x = leaf(2, 3, 5), w = leaf(4, 5), b = leaf(4);
        check("Linear", () -> Linear.forward(x, w, b), List.of(x, w, b), 1);
    }

    @Test void matmul() {
        Tensor a = leaf(2, 3, 4), b = leaf(2, 4, 5), bt = leaf(2, 5, 4);
        check("Matmul", () -> Matmul.forward(a, b, false), List.of(a, b), 2);
        check("Matmul transB", () -> Matmul.forward(a, bt, true), List.of(a, bt), 3);
    }

    @Test void addAndBias() {
        Tensor a = leaf(3, 7), b = leaf(3, 7), bias = leaf(7);
        check("Add", () -> Add.forward(a, b), List.of(a, b), 4);
        check("BiasAdd", () -> BiasAdd.forward(a, bias), List.of(a, bias), 5);
    }

    @Test void activations() {
        Tensor x = leaf(5, 9);
        check("Gelu", () -> Gelu.forward(x), List.of(x), 7);
        check("Tanh", () -> Tanh.forward(x), List.of(x), 9);
    }

    @Test void layerNorm() {
        Tensor x = leaf(4, 11), g = leaf(11), beta = leaf(11), res = leaf(4, 11);
        check("LayerNorm", () -> LayerNorm.forward(x, g, beta, 1e-12f), List.of(x, g, beta), 10);
        check("AddLayerNorm", () -> AddLayerNorm.forward(x, res, g, beta, 1e-5f), List.of(x, res, g, beta), 11);
    }

    @Test void maskedSoftmax() {
        Tensor s = leaf(2, 3, 5, 5);
        float[] m = new float[2 * 5];
        m[4] = -Float.MAX_VALUE; m[8] = -Float.MAX_VALUE; m[9] = -Float.MAX_VALUE;  // padding keys
        Tensor mask = Tensor.of(be, m, 2, 5);
        check("Softmax", () -> Softmax.forward(s, mask, 0.5f), List.of(s), 12);
    }

    @Test void dropoutWithFixedSeed() {
        Tensor x = leaf(6, 13);
        check("Dropout", () -> Dropout.forward(x, 0.3f, 42L), List.of(x), 13);
    }

    @Test void embeddingAndShapes() {
        Tensor table = leaf(6, 4);
        int[] ids = {1, 3, 3, 0, 5, 1};
        check("Embedding", () -> Embedding.forward(ids, table, -1), List.of(table), 14);
        Tensor x = leaf(2, 3, 4, 5);
        check("SwapAxes12", () -> SwapAxes12.forward(x), List.of(x), 15);
        Tensor h = leaf(3, 4, 6);
        check("SelectToken", () -> SelectToken.forward(h, 0), List.of(h), 16);
        check("Reshape", () -> Tanh.forward(h.reshape(12, 6)), List.of(h), 17);
    }

    @Test void crossEntropy() {
        Tensor z = leaf(5, 3);
        int[] labels = {0, 2, 1, 1, 2};
        check("CrossEntropy", () -> CrossEntropy.forward(z, labels), List.of(z), 18);
    }

    @Test void opsThatRecomputeInBackward() {
        // GeluLinear writes over its input, so each evaluation feeds it a fresh product a Wi^T.
        Tensor a = leaf(5, 4), wi = leaf(9, 4), b1 = leaf(9), w = leaf(3, 9), b2 = leaf(3);
        check("GeluLinear", () -> GeluLinear.forwardInPlace(Linear.forward(a, wi, null), b1, w, b2),
                List.of(a, wi, b1, w, b2), 19);
        Tensor p = leaf(2, 3, 5, 6), v = leaf(2, 3, 6, 4);
        check("DropoutMatmul", () -> DropoutMatmul.forward(p, v, 0.3f, 42L), List.of(p, v), 20);
    }
}
