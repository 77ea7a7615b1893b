package jbert.trainer.data;

import jbert.trainer.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The training and evaluation files of a run, and the label names they are known to use (the Twitter
 * Financial News files: Bearish, Bullish, Neutral), or null when the labels must come from elsewhere.
 */
public record DataFiles(Path train, Path eval, LabelSet knownLabels) {

    private static final List<String> TRAIN_NAMES = List.of("train");
    private static final List<String> EVAL_NAMES = List.of("validation", "valid", "dev", "eval", "test");
    private static final List<String> EXTENSIONS = List.of(".csv", ".jsonl", ".json");

    /**
     * Resolves the files from the options, in order: explicit files; a {@code --data} folder holding the
     * Twitter CSVs or {@code train} and {@code validation} (or valid/dev/eval/test) files, CSV or JSONL;
     * else the Twitter dataset from {@code $JBERT_DATA}, the cache or the Hub.
     */
    public static DataFiles resolve(Path dataDir, Path trainFile, Path evalFile, Map<String, String> env,
                                    Consumer<String> notice) {
        if (trainFile != null || evalFile != null) {
            if (trainFile != null && !Files.isRegularFile(trainFile)) throw new UserError("--train-file " + trainFile + ": no such file");
            if (evalFile != null && !Files.isRegularFile(evalFile)) throw new UserError("--eval-file " + evalFile + ": no such file");
            return new DataFiles(trainFile, evalFile, null);
        }
        Path dir;
        if (dataDir != null) {
            if (!Files.isDirectory(dataDir)) throw new UserError("--data " + dataDir + ": no such folder");
            dir = dataDir;
        } else {
            dir = new TwitterFinancialNews(env).locate(notice);
        }
        if (TwitterFinancialNews.holds(dir)) {
            return new DataFiles(dir.resolve(TwitterFinancialNews.TRAIN_FILE), dir.resolve(TwitterFinancialNews.VALID_FILE),
                    LabelSet.TWITTER_FINANCIAL_NEWS);
        }
        Path train = find(dir, TRAIN_NAMES), eval = find(dir, EVAL_NAMES);
        if (train == null || eval == null) {
            throw new UserError("--data " + dir + " holds neither " + TwitterFinancialNews.TRAIN_FILE + " and "
                    + TwitterFinancialNews.VALID_FILE + " nor train and validation files (.csv or .jsonl); "
                    + "name the files with --train-file and --eval-file");
        }
        return new DataFiles(train, eval, null);
    }

    private static Path find(Path dir, List<String> names) {
        for (String n : names) {
            for (String ext : EXTENSIONS) {
                Path p = dir.resolve(n + ext);
                if (Files.isRegularFile(p)) return p;
            }
        }
        return null;
    }
}
