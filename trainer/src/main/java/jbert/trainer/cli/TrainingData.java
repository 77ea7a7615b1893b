package jbert.trainer.cli;

import jbert.trainer.UserError;
import jbert.trainer.data.DataFiles;
import jbert.trainer.data.Example;
import jbert.trainer.data.LabelSet;
import jbert.trainer.data.Splits;
import jbert.trainer.data.TableReader;
import jbert.trainer.train.RunDescription;

import java.nio.file.Path;
import java.util.List;

/**
 * The labelled examples {@code jbert train} learns from and evaluates on: both files read, their labels
 * settled ({@code --labels}, the dataset's, else inferred from the training file), and the first
 * {@code --train-size} / {@code --eval-size} of each split's seeded shuffle taken.
 *
 * @param trainSplit every example of the training file (and the rows skipped there)
 * @param train      the examples trained on, a seeded subset of {@code trainSplit}
 */
record TrainingData(DataFiles files, LabelSet labels, Splits.Loaded trainSplit, Splits.Loaded evalSplit,
                    List<Example> train, List<Example> eval, long dataSeed) {

    /** Reads the files of {@code options}; skipped rows are listed on the context's err, a bad file or empty split is a user error. */
    static TrainingData load(DataOptions options, Count trainSize, Count evalSize, long dataSeed, CommandContext context) {
        DataFiles files = options.files(context);
        if (files.train() == null || files.eval() == null) {
            throw new UserError("train needs both a training and an evaluation file (--train-file and --eval-file, or --data DIR)");
        }
        TableReader.Result trainTable = options.read(files.train());
        TableReader.Result evalTable = options.read(files.eval());
        LabelSet labels = options.labels != null ? new LabelSet(options.labels)
                : files.knownLabels() != null ? files.knownLabels()
                : inferLabels(trainTable, files.train());
        Splits.Loaded trainAll = options.examples(files.train(), trainTable, labels);
        Splits.Loaded evalAll = options.examples(files.eval(), evalTable, labels);
        DataOptions.reportSkipped(context.console().err(), trainAll.skipped(), evalAll.skipped());
        List<Example> train = Splits.take(trainAll.examples(), trainSize.n(), dataSeed);
        List<Example> eval = Splits.take(evalAll.examples(), evalSize.n(), dataSeed);
        if (train.isEmpty()) throw new UserError(files.train() + ": no training examples");
        if (eval.isEmpty()) throw new UserError(files.eval() + ": no evaluation examples");
        return new TrainingData(files, labels, trainAll, evalAll, train, eval, dataSeed);
    }

    private static LabelSet inferLabels(TableReader.Result table, Path file) {
        try {
            return LabelSet.infer(table.rows(), file.toString());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** The data as metrics.json describes it. */
    RunDescription.Data describe() {
        return new RunDescription.Data(files.train().toString(), files.eval().toString(), train.size(),
                trainSplit.examples().size(), eval.size(), evalSplit.examples().size(), dataSeed, labels.names(),
                trainSplit.skipped().size() + evalSplit.skipped().size());
    }
}
