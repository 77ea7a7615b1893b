package jbert.trainer.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * report.md: the experiment's answer first (base against fine-tuned accuracy, absolute and relative
 * improvement), then accuracy per epoch, the final model's per-class scores and confusion matrix, the
 * training curves and the setup that produced them.
 */
public final class Report {
    private Report() {}

    public static final String LOSS_CHART = "loss_lr.png";
    public static final String ACCURACY_CHART = "accuracy.png";
    public static final String CONFUSION_CHART = "confusion_matrix.png";

    /** Absolute and relative improvement of {@code after} over {@code before}. */
    public record Improvement(double absolute, double relative) {
        public static Improvement of(double before, double after) {
            return new Improvement(after - before, before == 0 ? Double.NaN : (after - before) / before);
        }
    }

    public static String markdown(RunMetrics m, boolean withCharts) {
        StringBuilder sb = new StringBuilder();
        EvalLog base = m.base(), last = m.last();
        sb.append("# jbert fine-tuning report\n\n");
        sb.append(String.format(Locale.ROOT, "%s, fine-tuned on %s training examples, evaluated on %s.%n%n",
                m.config.getOrDefault("model", "?"), m.data.getOrDefault("train_examples", "?"),
                m.data.getOrDefault("eval_examples", "?") + " validation examples"));

        sb.append("## Result\n\n");
        sb.append("| model | accuracy | macro-F1 |\n|---|---:|---:|\n");
        if (base != null) row(sb, "base (pretrained encoder, new classification head)", base);
        if (last != null) row(sb, "fine-tuned (" + last.name() + ", step " + last.step() + ")", last);
        if (base != null && last != null) {
            Improvement imp = Improvement.of(base.accuracy(), last.accuracy());
            sb.append(String.format(Locale.ROOT, "%nImprovement: **%+.4f** accuracy absolute (%+.1f points), **%s** relative.%n",
                    imp.absolute(), 100 * imp.absolute(),
                    Double.isNaN(imp.relative()) ? "undefined (base accuracy 0)" : String.format(Locale.ROOT, "%+.1f%%", 100 * imp.relative())));
        }
        sb.append('\n');

        sb.append("## Accuracy per epoch\n\n");
        sb.append("| evaluation | step | accuracy | macro-F1 | eval loss | seconds |\n|---|---:|---:|---:|---:|---:|\n");
        for (EvalLog e : m.evals) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %.4f | %.4f | %.1f |%n",
                    e.name(), e.step(), e.accuracy(), e.metrics().macroF1(), e.loss(), e.seconds()));
        }
        if (withCharts) sb.append("\n![accuracy per epoch](").append(ACCURACY_CHART).append(")\n");
        sb.append('\n');

        if (last != null) {
            sb.append("## Fine-tuned model: per-class scores\n\n");
            sb.append(Tables.perClass(last.metrics())).append('\n');
            sb.append("## Confusion matrix\n\nRows are the true class, columns the predicted one.\n\n");
            sb.append(Tables.confusion(last.metrics()));
            if (withCharts) sb.append("\n![confusion matrix](").append(CONFUSION_CHART).append(")\n");
            sb.append('\n');
        }

        sb.append("## Training\n\n");
        List<StepLog> steps = m.steps;
        if (!steps.isEmpty()) {
            double firstLoss = mean(steps.subList(0, Math.min(10, steps.size())));
            double lastLoss = mean(steps.subList(Math.max(0, steps.size() - 10), steps.size()));
            sb.append(String.format(Locale.ROOT, "%d steps. Mean loss of the first 10 steps %.4f, of the last 10 %.4f.%n",
                    steps.size(), firstLoss, lastLoss));
        }
        Object trainSeconds = m.result.get("train_seconds"), total = m.result.get("total_seconds");
        if (trainSeconds != null) {
            sb.append(String.format(Locale.ROOT, "Training took %.1f s (%.2f examples/s); the whole run %.1f s",
                    ((Number) trainSeconds).doubleValue(), ((Number) m.result.getOrDefault("train_examples_per_second", 0.0)).doubleValue(),
                    total == null ? 0.0 : ((Number) total).doubleValue()));
            Object rss = m.result.get("peak_rss_mib");
            if (rss != null) sb.append(String.format(Locale.ROOT, ", peak RSS %s MiB", rss));
            sb.append(".\n");
        }
        if (withCharts) sb.append("\n![training loss and learning rate](").append(LOSS_CHART).append(")\n");
        sb.append('\n');

        sb.append("## Setup\n\n| setting | value |\n|---|---|\n");
        for (Map.Entry<String, Object> e : m.config.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" | ").append(cell(e.getValue())).append(" |\n");
        }
        for (Map.Entry<String, Object> e : m.data.entrySet()) {
            sb.append("| data.").append(e.getKey()).append(" | ").append(cell(e.getValue())).append(" |\n");
        }
        sb.append("| seed | ").append(m.seed).append(" |\n");
        for (Map.Entry<String, String> e : m.versions.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" | ").append(cell(e.getValue())).append(" |\n");
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, EvalLog e) {
        sb.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f |%n", name, e.accuracy(), e.metrics().macroF1()));
    }

    private static double mean(List<StepLog> s) {
        double sum = 0;
        for (StepLog x : s) sum += x.loss();
        return s.isEmpty() ? Double.NaN : sum / s.size();
    }

    private static String cell(Object v) {
        return String.valueOf(v).replace("|", "\\|").replace("\n", " ");
    }
}
