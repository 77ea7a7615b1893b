package jbert.engine.optim;

/**
 * HF's get_linear_schedule_with_warmup: the learning rate rises linearly from 0 to its peak over the
 * warmup steps, then falls linearly to 0 at the last step. Step s (0-based) uses
 * lr * s / warmup during warmup, else lr * max(0, (total - s) / (total - warmup)).
 *
 * <p>As torch's LambdaLR, the rate is the peak times HF's lambda, the lambda computed first: peak * (s /
 * warmup), not (peak * s) / warmup, which rounds differently by one ulp at about a third of warmup steps.
 */
public final class LinearSchedule implements LrSchedule {
    private final double peak;
    private final int warmup, total;

    public LinearSchedule(double peak, int warmupSteps, int totalSteps) {
        this.peak = peak; this.warmup = warmupSteps; this.total = totalSteps;
    }

    @Override
    public double lrAt(int step) {
        if (step < warmup) return peak * ((double) step / Math.max(1, warmup));
        return peak * Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
    }
}
