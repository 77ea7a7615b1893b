package jbert.trainer.train;

import jbert.trainer.report.RunMetrics;

import java.util.List;

/**
 * Where a run stands, as trainer_state.json in a checkpoint: enough, with the weights and the AdamW
 * moments beside it, to continue exactly as if the run had never stopped.
 */
public final class TrainerState {
    /** Optimizer steps done. */
    public int globalStep;
    /**
     * The learning-rate scheduler's position: the next step uses {@code schedule.lrAt(schedulerStep)}
     * (HF's LambdaLR last_epoch + 1). It moves with every optimizer step, so it equals globalStep; it is
     * kept apart so the file says what each counter is.
     */
    public int schedulerStep;
    /** The learning rate the last step used (for people reading the file). */
    public double lastLr;
    /** The epoch in progress (0-based) and how many of its batches are done, in the epoch's order. */
    public int epoch;
    public int stepInEpoch;
    /** AdamW's step count t (for the bias corrections). */
    public int optimizerStep;
    /** The dropout seed sequence's counter: the next masks drawn. */
    public long dropoutCounter;
    /** The run's seed: the epoch orders derive from it, with the epoch. */
    public long seed;
    public TrainConfig config;
    public int trainExamples;
    /** SHA-256 of the tokenized training examples in their stored order: a resume must see the same data. */
    public String dataSha256;
    public List<String> labels;
    /** The history so far: every step and evaluation logged before this checkpoint. */
    public RunMetrics metrics;
}
