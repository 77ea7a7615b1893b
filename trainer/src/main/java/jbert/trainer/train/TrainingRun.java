package jbert.trainer.train;

import jbert.engine.bert.BertForSequenceClassification;
import jbert.trainer.data.Encoded;
import jbert.trainer.data.LabelSet;
import jbert.trainer.report.Progress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a training run needs besides its {@link TrainConfig}, fixed before the first step: the
 * model, the examples and how they batch, the run folder, where progress goes, what stops the run
 * early, and what metrics.json says about it. {@code jbert train} assembles it
 * ({@code TrainCommand}); {@link Trainer} runs it.
 *
 * @param stop           Ctrl-C's flag ({@link StopSignal#onInterrupt}), or a plain one
 * @param stopAfterSteps test hook: request a stop, as Ctrl-C does, once this many steps are done; null for none
 * @param pause          test hook: wait to be killed inside a checkpoint's write ({@link CheckpointPause}); null for none
 */
public record TrainingRun(BertForSequenceClassification model, Examples examples, Folder folder, Display display,
                          StopSignal stop, Integer stopAfterSteps, CheckpointPause pause, RunDescription description) {

    /**
     * The tokenized examples, and how a batch of them is padded ({@code Batches.collate}).
     *
     * @param padToMultipleOf training batches are padded to a multiple of this many tokens (1: to their longest)
     */
    public record Examples(List<Encoded> train, List<Encoded> eval, LabelSet labels, int padId, int padToMultipleOf) {}

    /**
     * The run folder and what is written there besides checkpoints and metrics.json.
     *
     * @param keepCheckpoints checkpoints kept (the newest); 0 keeps all
     * @param charts          whether to draw the PNG charts (they need AWT fonts)
     * @param saver           writes the final model (HF layout) into the folder
     */
    public record Folder(Path dir, int keepCheckpoints, boolean charts, ModelSaver saver) {}

    /**
     * Where the run reports itself.
     *
     * @param logEvery without a terminal, a progress line every this many steps
     */
    public record Display(PrintStream out, Progress.Mode progress, int logEvery) {}

    /** Writes the final model (HF layout) into the run folder. */
    @FunctionalInterface
    public interface ModelSaver { void save(Path runDir) throws IOException; }

    /** This run, stopping as Ctrl-C does once {@code steps} steps are done. */
    public TrainingRun withStopAfterSteps(int steps) {
        return new TrainingRun(model, examples, folder, display, stop, steps, pause, description);
    }

    /** This run, its training batches padded to a multiple of {@code tokens}. */
    public TrainingRun withPadToMultipleOf(int tokens) {
        Examples e = new Examples(examples.train(), examples.eval(), examples.labels(), examples.padId(), tokens);
        return new TrainingRun(model, e, folder, display, stop, stopAfterSteps, pause, description);
    }
}
