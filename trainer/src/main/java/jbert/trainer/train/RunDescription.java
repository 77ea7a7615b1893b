package jbert.trainer.train;

import jbert.trainer.Version;
import jbert.trainer.report.RunMetrics;

import java.util.List;

/**
 * What metrics.json says about a run before its first step: the software and device it runs on, its
 * settings and its data. {@link #toMetrics} writes them in the file's key order, which readers of the
 * file (and its tests) rely on.
 *
 * @param device  the backend's name ("cpu", "cuda")
 * @param threads the CPU threads the backend options ask for ({@code BackendOptions.cpuThreads()})
 * @param model   {@code --model} as given
 */
public record RunDescription(String device, int threads, String model, int maxLength, int padToMultipleOf,
                             boolean cudaGraphs, double dropout, Data data) {

    /**
     * Where the examples came from and how many there are.
     *
     * @param trainExamples  examples trained on (the first {@code --train-size} of a seeded shuffle)
     * @param trainSplitRows examples in the whole training file
     * @param skippedRows    malformed rows left out of both files ({@code --skip-bad-rows})
     */
    public record Data(String trainFile, String evalFile, int trainExamples, int trainSplitRows, int evalExamples,
                       int evalSplitRows, long dataSeed, List<String> labels, int skippedRows) {}

    /** The metrics of a run that has not started: versions, seed, config and data filled, no steps yet. */
    public RunMetrics toMetrics(TrainConfig cfg) {
        RunMetrics m = new RunMetrics();
        m.jbertVersion = Version.JBERT;
        m.versions.put("jbert", Version.JBERT);
        m.versions.put("java", Version.java());
        m.versions.put("os", Version.os());
        m.versions.put("device", device);
        m.versions.put("threads", Integer.toString(threads));
        m.seed = cfg.seed();
        m.config.put("model", model);
        m.config.putAll(cfg.describe());
        m.config.put("max_length", maxLength);
        m.config.put("pad_to_multiple_of", padToMultipleOf);
        m.config.put("cuda_graphs", cudaGraphs);
        m.config.put("dropout", dropout);
        m.data.put("train_file", data.trainFile());
        m.data.put("eval_file", data.evalFile());
        m.data.put("train_examples", data.trainExamples());
        m.data.put("train_split_rows", data.trainSplitRows());
        m.data.put("eval_examples", data.evalExamples());
        m.data.put("eval_split_rows", data.evalSplitRows());
        m.data.put("data_seed", data.dataSeed());
        m.data.put("labels", data.labels());
        m.data.put("skipped_rows", data.skippedRows());
        return m;
    }
}
