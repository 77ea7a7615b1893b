package jbert.trainer.cli;

import picocli.CommandLine.Option;

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
}
