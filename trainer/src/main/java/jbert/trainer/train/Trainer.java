package jbert.trainer.train;

import jbert.engine.Tensor;
import jbert.engine.bert.Batch;
import jbert.engine.optim.AdamW;
import jbert.engine.optim.LinearSchedule;
import jbert.engine.train.TrainStep;
import jbert.trainer.UserError;
import jbert.trainer.data.Batches;
import jbert.trainer.data.Encoded;
import jbert.trainer.data.EpochOrder;
import jbert.trainer.report.EvalLog;
import jbert.trainer.report.Progress;
import jbert.trainer.report.RunMetrics;
import jbert.trainer.report.StepLog;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fine-tuning loop, HF Trainer's protocol:
 * <pre>
 *   evaluate the base model
 *   for each epoch: for each batch of a fresh seeded order:
 *       step: loss = mean cross-entropy (dropout on); loss.backward()
 *             clip the global gradient norm to 1.0; lr = schedule(step); AdamW step; zero the gradients
 *   evaluate after every epoch; checkpoint every --save-steps and at every epoch end
 * </pre>
 * then the final model, metrics.json, PNG charts and report.md in the run folder ({@link FinalResults}).
 * The three parts of the loop are one method each: {@link #step}, {@link #evaluate}, {@link #checkpoint}.
 * A run that stops early (Ctrl-C, a loss that is not finite) does so as a value, a {@link Halt}, which
 * the loop hands back from its one exit.
 *
 * <p>Everything a step depends on is either in a checkpoint (weights, AdamW moments and step count,
 * the dropout seed counter, the position in the epoch's order) or a pure function of the seed (the
 * epoch's order), so a resumed run takes the very same steps as an uninterrupted one: on the CPU its
 * final weights are bitwise the same.
 */
public final class Trainer {

    /** How a run ended. */
    public enum Outcome { COMPLETED, INTERRUPTED, DIVERGED }

    /** Why the loop stopped before the end of training; null where it goes on. */
    private sealed interface Halt {
        /** A stop was requested (Ctrl-C, {@code --stop-after-steps}). */
        record Interrupted() implements Halt {}

        /**
         * The step on batch {@code batch} of the epoch gave a loss or gradient norm that is not finite.
         * @param seedsBefore the dropout counter before that step, so its checkpoint reruns it
         */
        record Diverged(String what, int batch, long seedsBefore) implements Halt {}
    }

    private final TrainConfig cfg;
    private final TrainingRun run;
    private final Map<String, Tensor> params;
    private TrainerState state;
    private RunMetrics metrics;

    public Trainer(TrainConfig cfg, TrainingRun run) {
        this.cfg = cfg;
        this.run = run;
        this.params = run.model().namedParameters();
    }

    /** The last state (for tests and the caller's summary). */
    public TrainerState state() { return state; }
    public RunMetrics metrics() { return metrics; }

    /**
     * Runs (or continues, when {@code resumeFrom} is a checkpoint folder) the training.
     * @return how it ended; the run folder then holds the checkpoint to resume from
     */
    public Outcome run(Path resumeFrom) {
        long runStart = System.nanoTime();
        Outcome outcome = train(resumeFrom);
        if (outcome == Outcome.COMPLETED) {
            // The optimizer lived only inside train(), so its moments (2x the weights) can go now; with
            // the gradients cleared too, saving never needs more memory than training did.
            for (Tensor p : params.values()) p.clearGrad();
            FinalResults.write(run, metrics, state.globalStep, runStart);
        }
        return outcome;
    }

    /** The run from its start or its checkpoint to the last step, then its ending when it stopped early. */
    private Outcome train(Path resumeFrom) {
        Path dir = run.folder().dir();
        checkWritable(dir);
        int n = run.examples().train().size();
        if (n == 0) throw new UserError("no training examples");
        int perEpoch = cfg.stepsPerEpoch(n), total = cfg.totalSteps(n);
        LinearSchedule schedule = new LinearSchedule(cfg.lr(), cfg.warmupSteps(total), total);
        AdamW opt = new AdamW(params, cfg.lr(), cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay(), AdamW::isNoDecay);
        if (resumeFrom != null) resume(resumeFrom, opt, perEpoch, total);
        else start();
        try {
            Checkpoints.cleanTemp(dir);
        } catch (IOException e) {
            throw new UserError(dir + ": cannot clean up (" + e.getMessage() + ")");
        }

        Halt halt;
        try {
            if (metrics.base() == null) {
                EvalLog base = evaluate("base", 0, 0);
                out().println(describe(base, "base model"));
                Checkpoints.writeMetrics(dir, metrics);
            }
            halt = loop(new TrainStep(run.model(), opt, schedule, cfg.maxGradNorm()), perEpoch, total);
        } catch (Evaluator.Stopped e) {
            halt = new Halt.Interrupted();
        }
        return switch (halt) {
            case null -> Outcome.COMPLETED;
            case Halt.Interrupted i -> interrupted(opt);
            case Halt.Diverged d -> diverged(d, perEpoch, opt);
        };
    }

    /** A fresh run: step 0, the fingerprint of its data, and metrics from its description. */
    private void start() {
        state = new TrainerState();
        state.seed = cfg.seed();
        state.config = cfg;
        state.trainExamples = run.examples().train().size();
        state.dataSha256 = fingerprint(run.examples().train());
        state.labels = run.examples().labels().names();
        metrics = run.description().toMetrics(cfg);
    }

    /** A resumed run: the checkpoint's state, weights, moments and history, after checking it is this run's. */
    private void resume(Path from, AdamW opt, int perEpoch, int total) {
        state = Checkpoints.readState(from);
        String diff = cfg.differences(state.config);
        if (!diff.isEmpty()) throw new UserError("--resume: " + from + " was made with other settings: " + diff);
        List<Encoded> train = run.examples().train();
        if (!fingerprint(train).equals(state.dataSha256) || state.trainExamples != train.size()) {
            throw new UserError("--resume: the training examples differ from those of " + from
                    + " (same --data, --train-size, --data-seed, --max-length and model vocabulary needed)");
        }
        if (!run.examples().labels().names().equals(state.labels)) {
            throw new UserError("--resume: labels " + run.examples().labels() + " differ from the checkpoint's " + state.labels);
        }
        if (state.schedulerStep != state.globalStep) {
            throw new UserError("--resume: " + from + " is inconsistent: scheduler step " + state.schedulerStep
                    + ", optimizer steps " + state.globalStep);
        }
        Checkpoints.restore(from, params, opt, state);
        run.model().seeds().restore(state.dropoutCounter);
        metrics = state.metrics;
        metrics.versions = run.description().toMetrics(cfg).versions;
        out().printf(Locale.ROOT, "resuming from %s: step %d of %d (epoch %d, batch %d of %d)%n",
                from, state.globalStep, total, state.epoch + 1, state.stepInEpoch, perEpoch);
    }

    /** Every remaining epoch, then an evaluation where --max-steps ended mid-epoch; a halt if one stopped it. */
    private Halt loop(TrainStep step, int perEpoch, int total) {
        Halt halt = null;
        try (Progress progress = Progress.create(run.display().progress(), out(), total, state.globalStep, cfg.epochs(),
                run.display().logEvery())) {
            for (int epoch = state.epoch; halt == null && epoch < cfg.epochs() && state.globalStep < total; epoch++) {
                halt = epoch(step, epoch, perEpoch, total, progress);
            }
        }
        if (halt == null && state.stepInEpoch != 0 && !hasEval("step " + state.globalStep)) {
            // --max-steps ended mid-epoch: one last evaluation, so the report has a fine-tuned accuracy.
            String name = "step " + state.globalStep;
            EvalLog e = evaluate(name, state.globalStep, state.epoch + state.stepInEpoch / (double) perEpoch);
            out().println(describe(e, name));
            checkpoint(step.optimizer(), run.model().seeds().state());
        }
        return halt;
    }

    /** The epoch's remaining batches, then its evaluation and checkpoint; a halt if one stopped it. */
    private Halt epoch(TrainStep step, int epoch, int perEpoch, int total, Progress progress) {
        int[] order = EpochOrder.permutation(run.examples().train().size(), cfg.seed(), epoch);
        int from = epoch == state.epoch ? state.stepInEpoch : 0;
        state.epoch = epoch;
        Halt halt = null;
        for (int b = from; halt == null && b < perEpoch && state.globalStep < total; b++) {
            halt = run.stop().requested() ? new Halt.Interrupted() : step(step, order, epoch, b, perEpoch, progress);
        }
        if (halt == null && state.stepInEpoch == perEpoch) {
            if (run.stop().requested()) {
                halt = new Halt.Interrupted();
            } else {
                String name = "epoch " + (epoch + 1);
                if (!hasEval(name)) {
                    progress.close();
                    EvalLog e = evaluate(name, state.globalStep, epoch + 1);
                    progress.println(describe(e, name));
                }
                state.epoch = epoch + 1;
                state.stepInEpoch = 0;
                checkpoint(step.optimizer(), run.model().seeds().state());
            }
        }
        return halt;
    }

    /**
     * One optimizer step on batch {@code b} of the epoch's {@code order}, logged, then a checkpoint if
     * --save-steps falls here; a divergence instead when the loss or the gradient norm is not finite.
     */
    private Halt step(TrainStep step, int[] order, int epoch, int b, int perEpoch, Progress progress) {
        List<Encoded> train = run.examples().train();
        int n = train.size();
        List<Encoded> items = new ArrayList<>(cfg.batchSize());
        for (int i = b * cfg.batchSize(); i < Math.min(n, (b + 1) * cfg.batchSize()); i++) items.add(train.get(order[i]));
        Batch batch = Batches.collate(items, run.examples().padId(), true, run.examples().padToMultipleOf());

        long t0 = System.nanoTime();
        long seedsBefore = run.model().seeds().state();
        TrainStep.Result r = takeStep(step, batch, state.globalStep + 1);
        String notFinite = !Double.isFinite(r.loss()) ? "loss is " + r.loss()
                : !Double.isFinite(r.gradNorm()) ? "gradient norm is " + r.gradNorm() : null;
        if (notFinite != null) return new Halt.Diverged(notFinite, b, seedsBefore);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double trainSeconds = numberOr(metrics.result.get("train_seconds"), 0) + seconds;
        state.globalStep++;
        state.schedulerStep = state.globalStep;
        state.lastLr = r.lr();
        state.stepInEpoch = b + 1;
        double epochFloat = epoch + (b + 1) / (double) perEpoch;
        double exPerSec = items.size() / seconds;
        metrics.steps.add(new StepLog(state.globalStep, epochFloat, r.loss(), r.lr(), r.gradNorm(), exPerSec, trainSeconds));
        metrics.result.put("train_seconds", trainSeconds);
        metrics.result.put("train_examples_seen", (long) numberOr(metrics.result.get("train_examples_seen"), 0) + items.size());
        progress.step(state.globalStep, epoch, r.loss(), r.lr(), exPerSec);

        if (run.stopAfterSteps() != null && state.globalStep == run.stopAfterSteps()) run.stop().request("--stop-after-steps");
        boolean epochEnd = b + 1 == perEpoch;
        if (cfg.saveSteps() > 0 && state.globalStep % cfg.saveSteps() == 0 && !epochEnd) checkpoint(step.optimizer(), run.model().seeds().state());
        return null;
    }

    /** One optimizer step; running out of device memory names the step and the batch's shape. */
    private static TrainStep.Result takeStep(TrainStep step, Batch batch, int stepNumber) {
        try {
            return step.run(batch);
        } catch (jbert.engine.DeviceOutOfMemoryException e) {
            throw new UserError("out of device memory at step " + stepNumber + " on a batch of shape [B=" + batch.B()
                    + ", T=" + batch.T() + "] (" + e.getMessage() + "); use a smaller --batch-size or --max-length", e);
        }
    }

    /** Evaluates the model on the eval examples, logs it into the metrics and returns it. */
    private EvalLog evaluate(String name, int step, double epoch) {
        TrainingRun.Examples ex = run.examples();
        EvalLog e;
        try (Progress.Counter c = Progress.counter(run.display().progress(), out(), "eval " + name, ex.eval().size())) {
            e = Evaluator.evaluate(name, step, epoch, run.model(), ex.eval(), cfg.evalBatchSize(), ex.padId(), ex.labels(), run.stop(), c);
        }
        metrics.evals.add(e);
        return e;
    }

    private boolean hasEval(String name) {
        for (EvalLog e : metrics.evals) if (e.name().equals(name)) return true;
        return false;
    }

    static String describe(EvalLog e, String what) {
        return String.format(Locale.ROOT, "%s: accuracy %.4f  macro-F1 %.4f  eval loss %.4f  (%d examples, %.1f s)",
                what, e.accuracy(), e.metrics().macroF1(), e.loss(), e.metrics().total(), e.seconds());
    }

    /** Writes checkpoint-N (weights, moments, state, history) and metrics.json, then prunes the old ones. */
    private Path checkpoint(AdamW opt, long dropoutCounter) {
        state.optimizerStep = opt.stepCount();
        state.dropoutCounter = dropoutCounter;
        state.metrics = metrics.copy();
        Path dir = run.folder().dir();
        Path p = Checkpoints.write(dir, params, opt, state, run.pause());
        Checkpoints.writeMetrics(dir, metrics);
        try {
            Checkpoints.prune(dir, run.folder().keepCheckpoints());
        } catch (IOException e) {
            out().println("warning: could not delete an old checkpoint (" + e.getMessage() + ")");
        }
        return p;
    }

    private Outcome interrupted(AdamW opt) {
        Path dir = run.folder().dir();
        Path ckpt = Checkpoints.dir(dir, state.globalStep);
        if (!Files.isDirectory(ckpt)) ckpt = checkpoint(opt, run.model().seeds().state());
        else Checkpoints.writeMetrics(dir, metrics);
        out().printf(Locale.ROOT, "stopped (%s) after step %d; %s holds the state; continue with --resume --output %s%n",
                run.stop().reason(), state.globalStep, ckpt.getFileName(), dir);
        return Outcome.INTERRUPTED;
    }

    private Outcome diverged(Halt.Diverged d, int perEpoch, AdamW opt) {
        // The weights are still those after the last good step (the optimizer has not run), so the
        // checkpoint holds the state right before the step that failed, ready to inspect or rerun.
        Path ckpt = checkpoint(opt, d.seedsBefore());
        metrics.result.put("diverged", d.what() + " at step " + (state.globalStep + 1));
        Checkpoints.writeMetrics(run.folder().dir(), metrics);
        out().printf(Locale.ROOT, "jbert: %s at step %d (epoch %d, batch %d of %d); training stopped; the state before it is in %s%n",
                d.what(), state.globalStep + 1, state.epoch + 1, d.batch() + 1, perEpoch, ckpt);
        return Outcome.DIVERGED;
    }

    private PrintStream out() { return run.display().out(); }

    /** Creates the run folder and proves it writable before any work is done. */
    static void checkWritable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-test", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new UserError("--output " + dir + ": cannot write there (" + e + ")");
        }
    }

    /** SHA-256 over the ids and labels of the examples, in order. */
    static String fingerprint(List<Encoded> examples) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4);
            for (Encoded e : examples) {
                md.update(buf.clear().putInt(e.label()).array());
                md.update(buf.clear().putInt(e.ids().length).array());
                for (int id : e.ids()) md.update(buf.clear().putInt(id).array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static double numberOr(Object o, double d) { return o instanceof Number x ? x.doubleValue() : d; }
}
