package jbert.trainer.cli;

import jbert.trainer.data.DataFiles;
import jbert.trainer.data.LabelSet;
import jbert.trainer.data.Splits;
import jbert.trainer.data.TableReader;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Where labelled data comes from and how to read it; shared by train and eval. */
public final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with sent_train.csv and sent_valid.csv (Twitter Financial News), or train and validation "
                    + "files (.csv or .jsonl). Default: $JBERT_DATA, else the download cache, else a download from the HF Hub.")
    Path dir;

    @Option(names = "--train-file", paramLabel = "FILE", description = "Training file (CSV with a header row, or JSONL).")
    Path trainFile;

    @Option(names = "--eval-file", paramLabel = "FILE", description = "Evaluation file (CSV with a header row, or JSONL).")
    Path evalFile;

    @Option(names = "--text-column", defaultValue = "text", paramLabel = "NAME", description = "Default: ${DEFAULT-VALUE}.")
    String textColumn;

    @Option(names = "--label-column", defaultValue = "label", paramLabel = "NAME", description = "Default: ${DEFAULT-VALUE}.")
    String labelColumn;

    @Option(names = "--labels", split = ",", paramLabel = "NAME,...",
            description = "Label names in id order (labels in the files may be these names or their ids). "
                    + "Default: the dataset's (Twitter: Bearish,Bullish,Neutral), else inferred from the training file.")
    List<String> labels;

    @Option(names = "--skip-bad-rows", description = "Skip malformed rows (counted and listed) instead of stopping at the first.")
    boolean skipBadRows;

    /** The files these options name, else the Twitter dataset from the context's environment (JBERT_DATA, the cache, the Hub). */
    DataFiles files(CommandContext context) {
        return DataFiles.resolve(dir, trainFile, evalFile, context.environment(), context.console().notices());
    }

    /** The rows of {@code file}: its text and label columns. */
    TableReader.Result read(Path file) {
        return TableReader.read(file, textColumn, labelColumn, skipBadRows);
    }

    /** The examples of {@code table}, its labels checked against {@code labels}, bad rows skipped if asked. */
    Splits.Loaded examples(Path file, TableReader.Result table, LabelSet labels) {
        return Splits.load(file, table, labels, skipBadRows);
    }

    /** Lists the rows that --skip-bad-rows left out, the first ten of them, on {@code err}. */
    static void reportSkipped(PrintStream err, List<String> a, List<String> b) {
        int n = a.size() + b.size();
        if (n == 0) return;
        err.println("skipped " + n + " bad row" + (n == 1 ? "" : "s") + " (--skip-bad-rows):");
        int shown = 0;
        for (List<String> l : List.of(a, b)) {
            for (String s : l) {
                if (shown++ < 10) err.println("  " + s);
            }
        }
        if (n > 10) err.println("  ... and " + (n - 10) + " more");
    }
}
