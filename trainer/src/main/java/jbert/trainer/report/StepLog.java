package jbert.trainer.report;

/**
 * One training step as logged in metrics.json: the loss of its batch, the learning rate it used, the
 * gradient's global L2 norm before clipping, and the throughput of that step.
 */
public record StepLog(int step, double epoch, double loss, double lr, double gradNorm,
                      double examplesPerSecond, double elapsedSeconds) {}
