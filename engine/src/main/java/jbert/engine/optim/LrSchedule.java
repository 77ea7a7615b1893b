package jbert.engine.optim;

/** The learning rate of each optimizer step, by the step's 0-based index (HF's LambdaLR over a peak). */
@FunctionalInterface
public interface LrSchedule {
    double lrAt(int step);

    /** The same rate at every step (a benchmark's, or a test's). */
    static LrSchedule constant(double lr) { return step -> lr; }
}
