package jbert.engine.ops;

import jbert.engine.Grad;
import jbert.engine.Op;
import jbert.engine.Tensor;

/**
 * Mean cross-entropy from logits, as {@code torch.nn.functional.cross_entropy}:
 * L = -(1/N) sum_n log softmax(z_n)[y_n], computed as log-sum-exp minus the label's logit (stable).
 *
 * <p>Backward: dL/dz_n = (softmax(z_n) - onehot(y_n)) / N, times the incoming dL (1 at the root).
 */
public final class CrossEntropy extends Op {
    /** softmax(logits), kept for backward. [N, C] */
    private final Tensor probs;
    private final int[] labels;

    private CrossEntropy(Tensor logits, Tensor probs, int[] labels) {
        super(logits);
        this.probs = probs; this.labels = labels;
    }

    /** logits [N, C], labels N ints in [0, C); returns a scalar [1]. */
    public static Tensor forward(Tensor logits, int[] labels) {
        Shapes.rank("CrossEntropy", logits, 2);
        int N = logits.dim(0), C = logits.dim(1);
        if (labels.length != N) {
            throw new IllegalArgumentException("CrossEntropy: " + labels.length + " labels for logits " + logits.describe());
        }
        for (int i = 0; i < N; i++) {
            if (labels[i] < 0 || labels[i] >= C) {
                throw new IllegalArgumentException("CrossEntropy: label " + labels[i] + " of row " + i + " is outside [0, " + C + ")");
            }
        }
        Tensor probs = logits.emptyLike();                                 // [N, C]
        double loss = logits.backend().crossEntropyForward(logits.storage(), labels, probs.storage(), N, C);
        Tensor y = Tensor.of(logits.backend(), new float[]{(float) loss}, 1); // [1]
        return Grad.recording(logits) ? new CrossEntropy(logits, probs, labels.clone()).record(y) : y;
    }

    @Override
    public void backward(Tensor y) {
        Tensor logits = inputs[0];
        if (!logits.requiresGrad()) return;
        float dLoss = y.grad().item();
        int N = logits.dim(0), C = logits.dim(1);
        y.backend().crossEntropyBackward(probs.storage(), labels, logits.gradForAccumulation().storage(), dLoss / N, N, C);
    }
}
