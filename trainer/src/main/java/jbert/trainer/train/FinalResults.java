package jbert.trainer.train;

import jbert.trainer.UserError;
import jbert.trainer.report.Charts;
import jbert.trainer.report.EvalLog;
import jbert.trainer.report.Json;
import jbert.trainer.report.Report;
import jbert.trainer.report.RunMetrics;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The end of a completed run: metrics.json's result (accuracies before and after, the improvement,
 * timings, peak memory), then the final model, metrics.json, the PNG charts and report.md in the run
 * folder, and the summary lines.
 */
final class FinalResults {
    private FinalResults() {}

    /** Fills the result of {@code metrics} after {@code steps} steps and writes everything into the run folder. */
    static void write(TrainingRun run, RunMetrics metrics, int steps, long runStartNanos) {
        summarise(metrics, steps, runStartNanos);
        writeFiles(run.folder(), metrics);
        printSummary(run.display().out(), run.folder(), metrics);
    }

    /** metrics.json's "result": what the run achieved and what it cost. */
    private static void summarise(RunMetrics metrics, int steps, long runStartNanos) {
        EvalLog base = metrics.base(), last = metrics.last();
        Map<String, Object> r = metrics.result;
        if (base != null) r.put("base_accuracy", base.accuracy());
        if (last != null) {
            r.put("final_accuracy", last.accuracy());
            r.put("final_macro_f1", last.metrics().macroF1());
        }
        if (base != null && last != null) {
            Report.Improvement imp = Report.Improvement.of(base.accuracy(), last.accuracy());
            r.put("absolute_improvement", imp.absolute());
            r.put("relative_improvement", Double.isNaN(imp.relative()) ? null : imp.relative());
        }
        r.put("steps", steps);
        double evalSeconds = 0;
        for (EvalLog e : metrics.evals) evalSeconds += e.seconds();
        r.put("eval_seconds", evalSeconds);
        double trainSeconds = Trainer.numberOr(r.get("train_seconds"), 0);
        double seen = Trainer.numberOr(r.get("train_examples_seen"), 0);
        r.put("train_examples_per_second", trainSeconds > 0 ? seen / trainSeconds : 0.0);
        r.put("total_seconds", (System.nanoTime() - runStartNanos) / 1e9);
        Long rss = peakRssMiB();
        if (rss != null) r.put("peak_rss_mib", rss);
    }

    /** The final model, metrics.json, the charts and report.md; a failed write is a user error (the checkpoints stay). */
    private static void writeFiles(TrainingRun.Folder folder, RunMetrics metrics) {
        Path dir = folder.dir();
        EvalLog last = metrics.last();
        try {
            if (folder.saver() != null) folder.saver().save(dir);
            Checkpoints.writeMetrics(dir, metrics);
            if (folder.charts()) {
                Charts.lossAndLr(metrics.steps, dir.resolve(Report.LOSS_CHART));
                Charts.accuracy(metrics.evals, dir.resolve(Report.ACCURACY_CHART));
                if (last != null) Charts.confusion(last.metrics(), "Confusion matrix (" + last.name() + ")", dir.resolve(Report.CONFUSION_CHART));
            }
            Json.writeAtomically(dir.resolve("report.md"), Report.markdown(metrics, folder.charts()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new UserError("cannot write the results into " + dir + " (" + e.getMessage()
                    + "); the checkpoints are intact: finish the run with --resume --output " + dir);
        }
    }

    /** "accuracy: base A -> fine-tuned B (...)" and "wrote DIR (...)". */
    private static void printSummary(PrintStream out, TrainingRun.Folder folder, RunMetrics metrics) {
        EvalLog base = metrics.base(), last = metrics.last();
        if (base != null && last != null) {
            Report.Improvement imp = Report.Improvement.of(base.accuracy(), last.accuracy());
            out.printf(Locale.ROOT, "accuracy: base %.4f -> fine-tuned %.4f (%+.4f absolute, %s relative)%n",
                    base.accuracy(), last.accuracy(), imp.absolute(),
                    Double.isNaN(imp.relative()) ? "n/a" : String.format(Locale.ROOT, "%+.1f%%", 100 * imp.relative()));
        }
        out.println("wrote " + folder.dir() + " (model, metrics.json, report.md" + (folder.charts() ? ", charts" : "") + ")");
    }

    /** The process's peak resident memory (VmHWM), where /proc tells it. */
    static Long peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
