package jbert.trainer.report;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Training progress on the console. On a terminal: a live bar redrawn in place with step/total,
 * epoch, loss, learning rate, examples/s and ETA. Elsewhere (a log file, CI): a plain line every
 * {@code logEvery} steps with the same figures, and nothing that needs a terminal to read.
 */
public abstract class Progress implements AutoCloseable {

    /** How progress is shown: decided from the terminal, or forced. */
    public enum Mode { auto, bar, lines, none }

    protected final PrintStream out;
    protected final int totalSteps, epochs;
    private final int startStep;
    private final long startNanos = System.nanoTime();
    // A running mean of the loss since the last report, so one noisy batch does not dominate.
    protected double lossSum;
    protected int lossCount;

    protected Progress(PrintStream out, int totalSteps, int startStep, int epochs) {
        this.out = out;
        this.totalSteps = totalSteps;
        this.startStep = startStep;
        this.epochs = epochs;
    }

    public static Progress create(Mode mode, PrintStream out, int totalSteps, int startStep, int epochs, int logEvery) {
        if (mode == Mode.auto) mode = isTerminal() ? Mode.bar : Mode.lines;
        return switch (mode) {
            case bar -> new Bar(out, totalSteps, startStep, epochs);
            case lines -> new Lines(out, totalSteps, startStep, epochs, Math.max(1, logEvery));
            default -> new Lines(out, totalSteps, startStep, epochs, Integer.MAX_VALUE);
        };
    }

    /** Whether stdout is an interactive terminal. */
    public static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Progress through a finite task (an evaluation): told the items done so far. */
    public interface Counter extends java.util.function.IntConsumer, AutoCloseable {
        @Override void close();
    }

    /**
     * A counter for an evaluation: a bar of its own on a terminal; with plain lines, one line saying it
     * started (an evaluation of BERT-base on 1,000 tweets takes a minute); nothing otherwise.
     */
    public static Counter counter(Mode mode, PrintStream out, String task, int total) {
        if (mode == Mode.auto) mode = isTerminal() ? Mode.bar : Mode.lines;
        if (mode == Mode.bar) {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUnit(" examples", 1)
                    .setUpdateIntervalMillis(250).setConsumer(new ConsoleProgressBarConsumer(out)).clearDisplayOnFinish().build();
            return new Counter() {
                @Override public void accept(int done) { bar.stepTo(done); }
                @Override public void close() { bar.close(); }
            };
        }
        if (mode == Mode.lines) {
            out.println(task + ": " + total + " examples...");
            out.flush();
        }
        return new Counter() {
            @Override public void accept(int done) {}
            @Override public void close() {}
        };
    }

    /** Called after each optimizer step; {@code step} counts from 1. */
    public abstract void step(int step, int epoch, double loss, double lr, double examplesPerSecond);

    /** Prints a line of its own (an evaluation result) without tearing the bar. */
    public abstract void println(String line);

    @Override
    public abstract void close();

    /** Estimated seconds left, from the pace of the steps done in this process. */
    protected double etaSeconds(int step) {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        int done = step - startStep;
        return done <= 0 ? Double.NaN : elapsed / done * (totalSteps - step);
    }

    protected double meanLoss(double loss) {
        lossSum += loss;
        lossCount++;
        return lossSum / lossCount;
    }

    protected void resetMean() { lossSum = 0; lossCount = 0; }

    public static String hms(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) return "?";
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    /** Plain periodic lines. */
    static final class Lines extends Progress {
        private final int every;

        Lines(PrintStream out, int totalSteps, int startStep, int epochs, int every) {
            super(out, totalSteps, startStep, epochs);
            this.every = every;
        }

        @Override
        public void step(int step, int epoch, double loss, double lr, double examplesPerSecond) {
            double mean = meanLoss(loss);
            if (every == Integer.MAX_VALUE) return;
            if (step % every == 0 || step == totalSteps) {
                out.printf(Locale.ROOT, "step %d/%d  epoch %d/%d  loss %.4f  lr %.3e  %.1f examples/s  ETA %s%n",
                        step, totalSteps, epoch + 1, epochs, mean, lr, examplesPerSecond, hms(etaSeconds(step)));
                out.flush();
                resetMean();
            }
        }

        @Override
        public void println(String line) { out.println(line); out.flush(); }

        @Override
        public void close() { out.flush(); }
    }

    /** The live bar (me.tongfei progressbar, drawn through JLine). */
    static final class Bar extends Progress {
        private ProgressBar bar;
        private int lastStep;

        Bar(PrintStream out, int totalSteps, int startStep, int epochs) {
            super(out, totalSteps, startStep, epochs);
            this.lastStep = startStep;
        }

        private ProgressBar open() {
            if (bar == null) {
                bar = new ProgressBarBuilder()
                        .setTaskName("train")
                        .setInitialMax(totalSteps)
                        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                        .setUnit(" steps", 1)
                        .setUpdateIntervalMillis(250)
                        .setConsumer(new ConsoleProgressBarConsumer(out))
                        .startsFrom(lastStep, Duration.ZERO)
                        .build();
            }
            return bar;
        }

        @Override
        public void step(int step, int epoch, double loss, double lr, double examplesPerSecond) {
            double mean = meanLoss(loss);
            if (lossCount >= 20) resetMean();
            lastStep = step;
            ProgressBar b = open();
            b.stepTo(step);
            // The bar itself shows step/total, elapsed and ETA; the rest goes in its message.
            b.setExtraMessage(String.format(Locale.ROOT, "epoch %d/%d loss %.4f lr %.2e %.1f ex/s",
                    epoch + 1, epochs, mean, lr, examplesPerSecond));
        }

        @Override
        public void println(String line) {
            // Close the bar (it leaves its last state on screen), print, and let the next step reopen it.
            if (bar != null) { bar.close(); bar = null; }
            out.println(line);
            out.flush();
        }

        @Override
        public void close() {
            if (bar != null) { bar.close(); bar = null; }
        }
    }
}
