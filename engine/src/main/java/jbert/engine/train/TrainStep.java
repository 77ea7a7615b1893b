package jbert.engine.train;

import jbert.engine.Backend;
import jbert.engine.Scope;
import jbert.engine.Tensor;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.optim.AdamW;
import jbert.engine.optim.GradClip;
import jbert.engine.optim.LrSchedule;

import java.util.Collection;

/**
 * One optimizer step of fine-tuning, as HF Trainer's {@code training_step} followed by its optimizer
 * step, and the only place in jbert that takes one (the trainer, every benchmark and the GPU checks
 * call it):
 * <pre>
 *   loss = model.loss(batch)                      forward in training mode (dropout on), mean cross-entropy
 *   loss.backward()                               every parameter's gradient
 *   n    = sqrt(sum over all gradients of g^2)    the norm before clipping (clip_grad_norm_'s return value)
 *   c    = min(1, maxGradNorm / (n + 1e-6))       clip_grad_norm_'s coefficient; 1 when clipping is off
 *   lr   = schedule(t)                            t = optimizer steps done so far (LambdaLR's last_epoch)
 *   AdamW over g * c at lr, then g = 0            optimizer.step(); optimizer.zero_grad()
 * </pre>
 * The activations live in one {@link Scope}, freed as soon as backward is done, before the update. The
 * last line is one fused pass over the gradients ({@link AdamW#step(float, boolean)}), the norm another:
 * two passes where the literal transcription makes four (norm, scale, update, zero), with the same
 * bits.
 *
 * <p>A loss or norm that is not finite (a diverged run) leaves the weights and the optimizer's moments
 * as they were: the gradients are zeroed and {@link Result#finite()} is false, for the caller to stop.
 *
 * <p>The whole step goes through {@link Backend#trainingStep} under the batch's {@link Batch#shape()},
 * so a backend may replay it (the CUDA backend's graphs): steps of one shape make the same calls.
 */
public final class TrainStep {
    /**
     * What one step reports.
     *
     * @param loss     the batch's mean loss before the update
     * @param gradNorm the global gradient norm before clipping
     * @param lr       the learning rate the update used
     */
    public record Result(double loss, double gradNorm, double lr) {
        /** False when the loss or the norm is NaN or infinite: the weights did not move. */
        public boolean finite() { return Double.isFinite(loss) && Double.isFinite(gradNorm); }
    }

    private final BertForSequenceClassification model;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    /** clip_grad_norm_'s max_norm; 0 turns clipping off (the norm is still measured, for the log). */
    private final double maxGradNorm;
    private final Collection<Tensor> params;
    private final Backend backend;

    /**
     * @param optimizer   over {@code model}'s parameters
     * @param schedule    the learning rate by optimizer step
     * @param maxGradNorm global-norm clipping threshold; 0 for none
     */
    public TrainStep(BertForSequenceClassification model, AdamW optimizer, LrSchedule schedule, double maxGradNorm) {
        if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("maxGradNorm " + maxGradNorm + ": expected >= 0");
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.maxGradNorm = maxGradNorm;
        this.params = model.namedParameters().values();
        this.backend = params.iterator().next().backend();
    }

    /**
     * HF Trainer's defaults around a constant learning rate: AdamW with betas (0.9, 0.999), eps 1e-8,
     * {@code weightDecay} on every weight but biases and LayerNorm, clipping at norm 1.0.
     */
    public static TrainStep withAdamW(BertForSequenceClassification model, double lr, double weightDecay) {
        AdamW adamW = new AdamW(model.namedParameters(), lr, 0.9, 0.999, 1e-8, weightDecay, AdamW::isNoDecay);
        return new TrainStep(model, adamW, LrSchedule.constant(lr), 1.0);
    }

    /** Takes one step on {@code batch}, which must have labels. */
    public Result run(Batch batch) {
        model.train(true);
        double lr = schedule.lrAt(optimizer.stepCount());
        return backend.trainingStep(batch.shape(), () -> {
            double loss;
            try (Scope step = Scope.open()) {
                Tensor l = model.loss(batch);                              // [1]
                l.backward();
                // Read after backward is queued: on a GPU the host then waits once, for the whole pass.
                loss = l.item();
            }
            double norm = GradClip.globalNorm(params);
            if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
                optimizer.zeroGrad();
                return new Result(loss, norm, lr);
            }
            optimizer.setLr(lr);
            float clip = GradClip.coefficient(norm, maxGradNorm > 0 ? maxGradNorm : Double.POSITIVE_INFINITY);
            optimizer.step(clip, true);
            return new Result(loss, norm, lr);
        });
    }

    public BertForSequenceClassification model() { return model; }

    public AdamW optimizer() { return optimizer; }
}
