package jbert.trainer.report;

/**
 * One evaluation: {@code name} is "base" (before training) or "epoch N"; {@code step} the number of
 * optimizer steps done; the mean cross-entropy {@code loss} and the classification metrics.
 */
public record EvalLog(String name, int step, double epoch, double loss, double seconds, ClassificationMetrics metrics) {
    public double accuracy() { return metrics.accuracy(); }
}
