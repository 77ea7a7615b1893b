package jbert.engine.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * HF's get_linear_schedule_with_warmup through torch's LambdaLR, written out here in Python's order
 * (base_lr * lr_lambda(step), the lambda a float division of two ints), must give the very doubles.
 */
class LinearScheduleTest {
    /** transformers' _get_linear_schedule_with_warmup_lr_lambda, times the base rate, as LambdaLR does. */
    private static double hf(double baseLr, int step, int warmup, int total) {
        double lambda = step < warmup
                ? (double) step / (double) Math.max(1, warmup)
                : Math.max(0.0, (double) (total - step) / (double) Math.max(1, total - warmup));
        return baseLr * lambda;
    }

    @Test void everyStepIsTheDoubleHfGives() {
        double[] peaks = {5e-5, 1e-2, 3e-4, 2e-5};
        int[][] warmupTotal = {{0, 375}, {2, 6}, {37, 375}, {100, 1000}, {7, 7}, {13, 400}};
        for (double peak : peaks) {
            for (int[] wt : warmupTotal) {
                LinearSchedule s = new LinearSchedule(peak, wt[0], wt[1]);
                for (int step = 0; step <= wt[1] + 1; step++) {
                    assertEquals(hf(peak, step, wt[0], wt[1]), s.lrAt(step), 0.0,
                            "peak " + peak + " warmup " + wt[0] + " total " + wt[1] + " step " + step);
                }
            }
        }
    }

    @Test void theGoldensWarmup() {
        LinearSchedule s = new LinearSchedule(1e-2, 2, 6);
        double[] want = {0.0, 0.005, 0.01, 0.0075, 0.005, 0.0025, 0.0};
        for (int step = 0; step < want.length; step++) assertEquals(want[step], s.lrAt(step), 0.0, "step " + step);
    }
}
