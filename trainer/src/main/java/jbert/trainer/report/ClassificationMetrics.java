package jbert.trainer.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Accuracy, per-class precision, recall and F1, macro-F1 and the confusion matrix of a set of
 * predictions, with scikit-learn's conventions: {@code confusion[true][predicted]}; a precision or
 * recall whose denominator is 0 is 0 ({@code zero_division=0}); macro-F1 is the unweighted mean of the
 * per-class F1 over all classes.
 */
public record ClassificationMetrics(List<String> labels, long[][] confusion, double accuracy,
                                    List<ClassScores> perClass, double macroF1, long total) {

    /** One row of the per-class table. */
    public record ClassScores(String label, double precision, double recall, double f1, long support) {}

    public static ClassificationMetrics of(List<String> labels, int[] gold, int[] predicted) {
        if (gold.length != predicted.length) {
            throw new IllegalArgumentException(gold.length + " labels but " + predicted.length + " predictions");
        }
        int C = labels.size();
        long[][] cm = new long[C][C];
        long correct = 0;
        for (int i = 0; i < gold.length; i++) {
            cm[gold[i]][predicted[i]]++;
            if (gold[i] == predicted[i]) correct++;
        }
        List<ClassScores> rows = new ArrayList<>(C);
        double f1Sum = 0;
        for (int c = 0; c < C; c++) {
            long tp = cm[c][c], support = 0, predictedC = 0;
            for (int k = 0; k < C; k++) { support += cm[c][k]; predictedC += cm[k][c]; }
            double p = predictedC == 0 ? 0 : (double) tp / predictedC;
            double r = support == 0 ? 0 : (double) tp / support;
            double f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
            f1Sum += f1;
            rows.add(new ClassScores(labels.get(c), p, r, f1, support));
        }
        double acc = gold.length == 0 ? 0 : (double) correct / gold.length;
        return new ClassificationMetrics(List.copyOf(labels), cm, acc, rows, C == 0 ? 0 : f1Sum / C, gold.length);
    }
}
