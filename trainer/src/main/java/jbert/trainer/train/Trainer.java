package jbert.trainer.train;

import jbert.engine.Backend;
import jbert.engine.Tensor;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.optim.AdamW;
import jbert.engine.optim.LinearSchedule;
import jbert.engine.train.TrainStep;
import jbert.trainer.UserError;
import jbert.trainer.data.Batches;
import jbert.trainer.data.Encoded;
import jbert.trainer.data.EpochOrder;
import jbert.trainer.data.LabelSet;
import jbert.trainer.report.Charts;
import jbert.trainer.report.EvalLog;
import jbert.trainer.report.Json;
import jbert.trainer.report.Progress;
import jbert.trainer.report.Report;
import jbert.trainer.report.RunMetrics;
import jbert.trainer.report.StepLog;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
 *       loss = mean cross-entropy (dropout on); loss.backward()
 *       clip the global gradient norm to 1.0; lr = schedule(step); AdamW step; zero the gradients
 *   evaluate after every epoch; checkpoint every --save-steps and at every epoch end
 * </pre>
 * then the final model, metrics.json, PNG charts and report.md in the run folder.
 *
 * <p>Everything a step depends on is either in a checkpoint (weights, AdamW moments and step count,
 * the dropout seed counter, the position in the epoch's order) or a pure function of the seed (the
 * epoch's order), so a resumed run takes the very same steps as an uninterrupted one: on the CPU its
 * final weights are bitwise the same.
 */
public final class Trainer {

    /** How a run ended. */
    public enum Outcome { COMPLETED, INTERRUPTED, DIVERGED }

    /** Writes the final model (HF layout) into the run folder. */
    @FunctionalInterface
    public interface ModelSaver { void save(Path runDir) throws IOException; }

    /** Everything a run needs besides the config. Public fields, set by the caller. */
    public static final class Run {
        public BertForSequenceClassification model;
        public List<Encoded> train, eval;
        public LabelSet labels;
        public int padId;
        public Path runDir;
        /** Checkpoints kept (the newest); 0 keeps all. */
        public int keepCheckpoints = 2;
        /** Prefilled with versions, config and data description by the caller. */
        public RunMetrics metrics = new RunMetrics();
        public Progress.Mode progress = Progress.Mode.auto;
        public int logEvery = 25;
        public PrintStream out = System.out;
        public StopSignal stop = new StopSignal();
        public ModelSaver saver;
        /** Test hook: request a stop (as Ctrl-C does) once this many steps are done; null for none. */
        public Integer stopAfterSteps;
        /** Whether to draw PNG charts (they need AWT fonts). */
        public boolean charts = true;
        /** Training batches are padded to a multiple of this many tokens (1: to their longest). */
        public int padToMultipleOf = 1;
    }

    private final TrainConfig cfg;
    private final Run run;
    private final Map<String, Tensor> params;
    private final Backend backend;
    private TrainerState state;
    private RunMetrics metrics;

    public Trainer(TrainConfig cfg, Run run) {
        this.cfg = cfg;
        this.run = run;
        this.params = run.model.namedParameters();
        this.backend = params.values().iterator().next().backend();
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
        Path dir = run.runDir;
        checkWritable(dir);
        int n = run.train.size();
        if (n == 0) throw new UserError("no training examples");
        int perEpoch = cfg.stepsPerEpoch(n), total = cfg.totalSteps(n), warmup = cfg.warmupSteps(total);
        LinearSchedule schedule = new LinearSchedule(cfg.lr(), warmup, total);
        AdamW opt = new AdamW(params, cfg.lr(), cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay(), AdamW::isNoDecay);
        String dataSha = fingerprint(run.train);

        if (resumeFrom != null) {
            state = Checkpoints.readState(resumeFrom);
            String diff = cfg.differences(state.config);
            if (!diff.isEmpty()) throw new UserError("--resume: " + resumeFrom + " was made with other settings: " + diff);
            if (!dataSha.equals(state.dataSha256) || state.trainExamples != n) {
                throw new UserError("--resume: the training examples differ from those of " + resumeFrom
                        + " (same --data, --train-size, --data-seed, --max-length and model vocabulary needed)");
            }
            if (!run.labels.names().equals(state.labels)) {
                throw new UserError("--resume: labels " + run.labels + " differ from the checkpoint's " + state.labels);
            }
            if (state.schedulerStep != state.globalStep) {
                throw new UserError("--resume: " + resumeFrom + " is inconsistent: scheduler step " + state.schedulerStep
                        + ", optimizer steps " + state.globalStep);
            }
            Checkpoints.restore(resumeFrom, params, opt, state);
            run.model.seeds().restore(state.dropoutCounter);
            RunMetrics fresh = run.metrics;
            metrics = state.metrics;
            metrics.versions = fresh.versions;
            run.out.printf(Locale.ROOT, "resuming from %s: step %d of %d (epoch %d, batch %d of %d)%n",
                    resumeFrom, state.globalStep, total, state.epoch + 1, state.stepInEpoch, perEpoch);
        } else {
            state = new TrainerState();
            state.seed = cfg.seed();
            state.config = cfg;
            state.trainExamples = n;
            state.dataSha256 = dataSha;
            state.labels = run.labels.names();
            metrics = run.metrics;
            metrics.seed = cfg.seed();
        }
        try {
            Checkpoints.cleanTemp(dir);
        } catch (IOException e) {
            throw new UserError(dir + ": cannot clean up (" + e.getMessage() + ")");
        }

        try {
            if (metrics.base() == null) {
                EvalLog base = evaluate("base", 0, 0);
                run.out.println(describe(base, "base model"));
                writeMetrics();
            }
            Outcome o = loop(opt, new TrainStep(run.model, opt, schedule, cfg.maxGradNorm()), perEpoch, total);
            if (o != Outcome.COMPLETED) return o;
        } catch (Evaluator.Stopped e) {
            return interrupted(opt);
        }

        // Training is over: the gradients and AdamW moments (3x the weights) can go before the final
        // model is written, so saving never needs more memory than training did.
        for (Tensor p : params.values()) p.clearGrad();
        opt = null;
        finish(runStart);
        return Outcome.COMPLETED;
    }

    private Outcome loop(AdamW opt, TrainStep step, int perEpoch, int total) {
        int n = run.train.size();
        double trainSeconds = numberOr(metrics.result.get("train_seconds"), 0);
        try (Progress progress = Progress.create(run.progress, run.out, total, state.globalStep, cfg.epochs(), run.logEvery)) {
            for (int epoch = state.epoch; epoch < cfg.epochs() && state.globalStep < total; epoch++) {
                int[] order = EpochOrder.permutation(n, cfg.seed(), epoch);
                int from = epoch == state.epoch ? state.stepInEpoch : 0;
                state.epoch = epoch;
                for (int b = from; b < perEpoch && state.globalStep < total; b++) {
                    if (run.stop.requested()) { progress.close(); return interrupted(opt); }
                    List<Encoded> items = new ArrayList<>(cfg.batchSize());
                    for (int i = b * cfg.batchSize(); i < Math.min(n, (b + 1) * cfg.batchSize()); i++) items.add(run.train.get(order[i]));
                    Batch batch = Batches.collate(items, run.padId, true, run.padToMultipleOf);

                    long t0 = System.nanoTime();
                    long seedsBefore = run.model.seeds().state();
                    TrainStep.Result r = takeStep(step, batch, state.globalStep + 1);
                    double loss = r.loss(), gradNorm = r.gradNorm(), lr = r.lr();
                    if (!Double.isFinite(loss)) { progress.close(); return diverged("loss is " + loss, b, perEpoch, opt, seedsBefore); }
                    if (!Double.isFinite(gradNorm)) { progress.close(); return diverged("gradient norm is " + gradNorm, b, perEpoch, opt, seedsBefore); }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    trainSeconds += seconds;
                    state.globalStep++;
                    state.schedulerStep = state.globalStep;
                    state.lastLr = lr;
                    state.stepInEpoch = b + 1;
                    double epochFloat = epoch + (b + 1) / (double) perEpoch;
                    double exPerSec = items.size() / seconds;
                    metrics.steps.add(new StepLog(state.globalStep, epochFloat, loss, lr, gradNorm, exPerSec, trainSeconds));
                    metrics.result.put("train_seconds", trainSeconds);
                    metrics.result.put("train_examples_seen", (long) numberOr(metrics.result.get("train_examples_seen"), 0) + items.size());
                    progress.step(state.globalStep, epoch, loss, lr, exPerSec);

                    if (run.stopAfterSteps != null && state.globalStep == run.stopAfterSteps) run.stop.request("--stop-after-steps");
                    boolean epochEnd = b + 1 == perEpoch;
                    if (cfg.saveSteps() > 0 && state.globalStep % cfg.saveSteps() == 0 && !epochEnd) checkpoint(opt, run.model.seeds().state());
                }
                if (state.stepInEpoch == perEpoch) {
                    if (run.stop.requested()) { progress.close(); return interrupted(opt); }
                    String name = "epoch " + (epoch + 1);
                    if (!hasEval(name)) {
                        progress.close();
                        EvalLog e = evaluate(name, state.globalStep, epoch + 1);
                        progress.println(describe(e, name));
                    }
                    state.epoch = epoch + 1;
                    state.stepInEpoch = 0;
                    checkpoint(opt, run.model.seeds().state());
                }
            }
        }
        if (state.stepInEpoch != 0 && !hasEval("step " + state.globalStep)) {
            // --max-steps ended mid-epoch: one last evaluation, so the report has a fine-tuned accuracy.
            String name = "step " + state.globalStep;
            EvalLog e = evaluate(name, state.globalStep, state.epoch + state.stepInEpoch / (double) perEpoch);
            run.out.println(describe(e, name));
            checkpoint(opt, run.model.seeds().state());
        }
        return Outcome.COMPLETED;
    }

    private boolean hasEval(String name) {
        for (EvalLog e : metrics.evals) if (e.name().equals(name)) return true;
        return false;
    }

    private EvalLog evaluate(String name, int step, double epoch) {
        EvalLog e;
        try (Progress.Counter c = Progress.counter(run.progress, run.out, "eval " + name, run.eval.size())) {
            e = Evaluator.evaluate(name, step, epoch, run.model, run.eval, cfg.evalBatchSize(), run.padId, run.labels, run.stop, c);
        }
        metrics.evals.add(e);
        return e;
    }

    static String describe(EvalLog e, String what) {
        return String.format(Locale.ROOT, "%s: accuracy %.4f  macro-F1 %.4f  eval loss %.4f  (%d examples, %.1f s)",
                what, e.accuracy(), e.metrics().macroF1(), e.loss(), e.metrics().total(), e.seconds());
    }

    private Path checkpoint(AdamW opt, long dropoutCounter) {
        state.optimizerStep = opt.stepCount();
        state.dropoutCounter = dropoutCounter;
        state.metrics = metrics.copy();
        Path p = Checkpoints.write(run.runDir, params, opt, state);
        writeMetrics();
        try {
            Checkpoints.prune(run.runDir, run.keepCheckpoints);
        } catch (IOException e) {
            run.out.println("warning: could not delete an old checkpoint (" + e.getMessage() + ")");
        }
        return p;
    }

    private Outcome interrupted(AdamW opt) {
        Path ckpt = Checkpoints.dir(run.runDir, state.globalStep);
        if (!Files.isDirectory(ckpt)) ckpt = checkpoint(opt, run.model.seeds().state());
        else writeMetrics();
        run.out.printf(Locale.ROOT, "stopped (%s) after step %d; %s holds the state; continue with --resume --output %s%n",
                run.stop.reason(), state.globalStep, ckpt.getFileName(), run.runDir);
        return Outcome.INTERRUPTED;
    }

    private Outcome diverged(String what, int batch, int perEpoch, AdamW opt, long seedsBefore) {
        // The weights are still those after the last good step (the optimizer has not run), so the
        // checkpoint holds the state right before the step that failed, ready to inspect or rerun.
        Path ckpt = checkpoint(opt, seedsBefore);
        metrics.result.put("diverged", what + " at step " + (state.globalStep + 1));
        writeMetrics();
        run.out.printf(Locale.ROOT, "jbert: %s at step %d (epoch %d, batch %d of %d); training stopped; the state before it is in %s%n",
                what, state.globalStep + 1, state.epoch + 1, batch + 1, perEpoch, ckpt);
        return Outcome.DIVERGED;
    }

    private void finish(long runStart) {
        Path dir = run.runDir;
        EvalLog base = metrics.base(), last = metrics.last();
        double trainSeconds = numberOr(metrics.result.get("train_seconds"), 0);
        Map<String, Object> r = metrics.result;
        if (base != null) r.put("base_accuracy", base.accuracy());
        if (last != null) {
            r.put("final_accuracy", last.accuracy());
            r.put("final_macro_f1", last.metrics().macroF1());
        }
        if (base != null && last != null) {
            Report.Improvement imp = Report.Improvement.of(base.accuracy(), last.accuracy());
            r.put("absolute_improvement", imp.absolute());
            r.put("relative_improvement", Double.isNaN(imp.relative()) ? null : imp.relative());
        }
        r.put("steps", state.globalStep);
        double evalSeconds = 0;
        for (EvalLog e : metrics.evals) evalSeconds += e.seconds();
        r.put("eval_seconds", evalSeconds);
        double seen = numberOr(r.get("train_examples_seen"), 0);
        r.put("train_examples_per_second", trainSeconds > 0 ? seen / trainSeconds : 0.0);
        r.put("total_seconds", (System.nanoTime() - runStart) / 1e9);
        Long rss = peakRssMiB();
        if (rss != null) r.put("peak_rss_mib", rss);
        try {
            if (run.saver != null) run.saver.save(dir);
            writeMetrics();
            if (run.charts) {
                Charts.lossAndLr(metrics.steps, dir.resolve(Report.LOSS_CHART));
                Charts.accuracy(metrics.evals, dir.resolve(Report.ACCURACY_CHART));
                if (last != null) Charts.confusion(last.metrics(), "Confusion matrix (" + last.name() + ")", dir.resolve(Report.CONFUSION_CHART));
            }
            Json.writeAtomically(dir.resolve("report.md"), Report.markdown(metrics, run.charts).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new UserError("cannot write the results into " + dir + " (" + e.getMessage() + "); the checkpoints are intact");
        }
        if (base != null && last != null) {
            Report.Improvement imp = Report.Improvement.of(base.accuracy(), last.accuracy());
            run.out.printf(Locale.ROOT, "accuracy: base %.4f -> fine-tuned %.4f (%+.4f absolute, %s relative)%n",
                    base.accuracy(), last.accuracy(), imp.absolute(),
                    Double.isNaN(imp.relative()) ? "n/a" : String.format(Locale.ROOT, "%+.1f%%", 100 * imp.relative()));
        }
        run.out.println("wrote " + dir + " (model, metrics.json, report.md" + (run.charts ? ", charts" : "") + ")");
    }

    private void writeMetrics() {
        try {
            Json.writeAtomically(run.runDir.resolve("metrics.json"), metrics);
        } catch (IOException e) {
            throw new CheckpointWriteException("cannot write " + run.runDir.resolve("metrics.json") + " (" + e.getMessage()
                    + "); earlier checkpoints are intact", e);
        }
    }

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

    private static double numberOr(Object o, double d) { return o instanceof Number x ? x.doubleValue() : d; }

    /** The process's peak resident memory (VmHWM), where /proc tells it. */
    public static Long peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** The batch's loss; a device that runs out of memory is a user error naming the batch shape. */
    /** One optimizer step; running out of device memory names the step and the batch's shape. */
    private static TrainStep.Result takeStep(TrainStep step, Batch batch, int stepNumber) {
        try {
            return step.run(batch);
        } catch (jbert.engine.DeviceOutOfMemoryException e) {
            throw new UserError("out of device memory at step " + stepNumber + " on a batch of shape [B=" + batch.B()
                    + ", T=" + batch.T() + "] (" + e.getMessage() + "); use a smaller --batch-size or --max-length", e);
        }
    }
}
