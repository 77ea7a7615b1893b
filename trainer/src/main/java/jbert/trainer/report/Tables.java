package jbert.trainer.report;

import java.util.List;
import java.util.Locale;

/** Markdown tables of classification results, shared by report.md and the eval command's output. */
public final class Tables {
    private Tables() {}

    /** Per-class precision, recall, F1 and support, then the macro average. */
    public static String perClass(ClassificationMetrics m) {
        StringBuilder sb = new StringBuilder();
        sb.append("| class | precision | recall | F1 | support |\n");
        sb.append("|---|---:|---:|---:|---:|\n");
        double p = 0, r = 0;
        for (ClassificationMetrics.ClassScores c : m.perClass()) {
            sb.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %d |%n",
                    c.label(), c.precision(), c.recall(), c.f1(), c.support()));
            p += c.precision(); r += c.recall();
        }
        int C = m.perClass().size();
        sb.append(String.format(Locale.ROOT, "| **macro avg** | %.4f | %.4f | **%.4f** | %d |%n",
                C == 0 ? 0 : p / C, C == 0 ? 0 : r / C, m.macroF1(), m.total()));
        return sb.toString();
    }

    /** The confusion matrix: a row per true class, a column per predicted class. */
    public static String confusion(ClassificationMetrics m) {
        List<String> labels = m.labels();
        StringBuilder sb = new StringBuilder();
        sb.append("| true \\ predicted |");
        for (String l : labels) sb.append(' ').append(l).append(" |");
        sb.append('\n').append("|---|");
        for (int i = 0; i < labels.size(); i++) sb.append("---:|");
        sb.append('\n');
        for (int t = 0; t < labels.size(); t++) {
            sb.append("| **").append(labels.get(t)).append("** |");
            for (int p = 0; p < labels.size(); p++) sb.append(' ').append(m.confusion()[t][p]).append(" |");
            sb.append('\n');
        }
        return sb.toString();
    }
}
