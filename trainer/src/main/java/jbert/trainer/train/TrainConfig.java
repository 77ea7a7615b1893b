package jbert.trainer.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings that decide a training run's trajectory. Defaults are HF Trainer's (and the tutorial's):
 * batch 8, AdamW lr 5e-5, betas (0.9, 0.999), eps 1e-8, weight decay 0, linear decay with no warmup,
 * clipping at 1.0, 3 epochs. A resumed run must use the same values; {@link #differences} names the
 * ones that changed.
 *
 * @param maxSteps   stop after this many optimizer steps in all (0: epochs decide), like HF's max_steps
 * @param saveSteps  write a checkpoint every this many steps (0: only at epoch ends)
 */
public record TrainConfig(int epochs, int batchSize, int evalBatchSize, double lr, double beta1, double beta2,
                          double eps, double weightDecay, double warmupRatio, double maxGradNorm, long seed,
                          int maxSteps, int saveSteps) {

    public static TrainConfig defaults() {
        return new TrainConfig(3, 8, 32, 5e-5, 0.9, 0.999, 1e-8, 0.0, 0.0, 1.0, 42, 0, 500);
    }

    public TrainConfig withEpochs(int e) { return new TrainConfig(e, batchSize, evalBatchSize, lr, beta1, beta2, eps, weightDecay, warmupRatio, maxGradNorm, seed, maxSteps, saveSteps); }
    public TrainConfig withBatchSize(int b) { return new TrainConfig(epochs, b, evalBatchSize, lr, beta1, beta2, eps, weightDecay, warmupRatio, maxGradNorm, seed, maxSteps, saveSteps); }
    public TrainConfig withLr(double l) { return new TrainConfig(epochs, batchSize, evalBatchSize, l, beta1, beta2, eps, weightDecay, warmupRatio, maxGradNorm, seed, maxSteps, saveSteps); }
    public TrainConfig withSaveSteps(int s) { return new TrainConfig(epochs, batchSize, evalBatchSize, lr, beta1, beta2, eps, weightDecay, warmupRatio, maxGradNorm, seed, maxSteps, s); }
    public TrainConfig withSeed(long s) { return new TrainConfig(epochs, batchSize, evalBatchSize, lr, beta1, beta2, eps, weightDecay, warmupRatio, maxGradNorm, s, maxSteps, saveSteps); }
    public TrainConfig withWarmupRatio(double w) { return new TrainConfig(epochs, batchSize, evalBatchSize, lr, beta1, beta2, eps, weightDecay, w, maxGradNorm, seed, maxSteps, saveSteps); }

    /** Steps in one epoch of {@code n} examples (the last batch may be short, as HF's drop_last=False). */
    public int stepsPerEpoch(int n) { return (n + batchSize - 1) / batchSize; }

    /** Optimizer steps of the whole run. */
    public int totalSteps(int n) {
        int all = epochs * stepsPerEpoch(n);
        return maxSteps > 0 ? Math.min(maxSteps, all) : all;
    }

    /** Warmup steps: ceil(total * ratio), as HF's TrainingArguments.get_warmup_steps. */
    public int warmupSteps(int total) { return (int) Math.ceil(total * warmupRatio); }

    /** The values as a flat map, with the flag names users know, for metrics.json and report.md. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("eval_batch_size", evalBatchSize);
        m.put("optimizer", "AdamW");
        m.put("lr", lr);
        m.put("betas", new double[] {beta1, beta2});
        m.put("eps", eps);
        m.put("weight_decay", weightDecay + " (not on biases and LayerNorm)");
        m.put("schedule", "linear decay to 0, warmup ratio " + warmupRatio);
        m.put("max_grad_norm", maxGradNorm);
        m.put("max_steps", maxSteps);
        m.put("save_steps", saveSteps);
        return m;
    }

    /**
     * The settings that differ between a checkpoint's run and this one, as "--flag was X, now Y"
     * (eval batch size and save steps may change on resume; the trajectory does not depend on them).
     */
    public String differences(TrainConfig saved) {
        StringBuilder sb = new StringBuilder();
        diff(sb, "--epochs", saved.epochs, epochs);
        diff(sb, "--batch-size", saved.batchSize, batchSize);
        diff(sb, "--lr", saved.lr, lr);
        diff(sb, "--adam-beta1", saved.beta1, beta1);
        diff(sb, "--adam-beta2", saved.beta2, beta2);
        diff(sb, "--adam-eps", saved.eps, eps);
        diff(sb, "--weight-decay", saved.weightDecay, weightDecay);
        diff(sb, "--warmup-ratio", saved.warmupRatio, warmupRatio);
        diff(sb, "--max-grad-norm", saved.maxGradNorm, maxGradNorm);
        diff(sb, "--seed", saved.seed, seed);
        diff(sb, "--max-steps", saved.maxSteps, maxSteps);
        return sb.toString();
    }

    private static void diff(StringBuilder sb, String flag, Object was, Object now) {
        if (!was.equals(now)) {
            if (!sb.isEmpty()) sb.append("; ");
            sb.append(flag).append(" was ").append(was).append(", now ").append(now);
        }
    }
}
