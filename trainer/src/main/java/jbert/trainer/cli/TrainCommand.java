package jbert.trainer.cli;

import jbert.engine.Backend;
import jbert.engine.BackendOptions;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.tokenizer.BertTokenizer;
import jbert.trainer.Main;
import jbert.trainer.UserError;
import jbert.trainer.data.Encoded;
import jbert.trainer.data.LabelSet;
import jbert.trainer.report.Progress;
import jbert.trainer.train.CheckpointPause;
import jbert.trainer.train.Checkpoints;
import jbert.trainer.train.RunDescription;
import jbert.trainer.train.StopSignal;
import jbert.trainer.train.TrainConfig;
import jbert.trainer.train.Trainer;
import jbert.trainer.train.TrainingRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jbert train}: fine-tune a BERT classifier, the Hugging Face tutorial's experiment end to end. */
@Command(name = "train", sortOptions = false, usageHelpAutoWidth = true, mixinStandardHelpOptions = true,
        description = {"Fine-tune BERT for text classification: evaluate the base model, train, evaluate after every epoch,",
                "and write the model, metrics.json, report.md, charts and checkpoints into --output.",
                "With no options: bert-base-uncased on 1,000 + 1,000 Twitter Financial News tweets, 3 epochs."})
public final class TrainCommand implements Callable<Integer> {
    private final CommandContext context;

    /** The command, printing to the context's console. */
    public TrainCommand(CommandContext context) { this.context = context; }

    @Spec CommandSpec spec;

    @Option(names = "--model", defaultValue = Models.DEFAULT, paramLabel = "NAME|DIR",
            description = Models.PRETRAINED_HELP)
    String model;

    @Mixin DataOptions data;

    @Option(names = "--train-size", defaultValue = "1000", converter = Count.Converter.class, paramLabel = "N|all",
            description = "Training examples: the first N of a seeded shuffle of the training split. Default: ${DEFAULT-VALUE}.")
    Count trainSize;

    @Option(names = "--eval-size", defaultValue = "1000", converter = Count.Converter.class, paramLabel = "N|all",
            description = "Evaluation examples, taken the same way from the validation split. Default: ${DEFAULT-VALUE}.")
    Count evalSize;

    @Option(names = "--data-seed", defaultValue = "42", paramLabel = "N",
            description = "Seed of the shuffles that pick the training and evaluation subsets (Python's random.Random, "
                    + "so the same tweets as the HF reference script). Default: ${DEFAULT-VALUE}.")
    long dataSeed;

    @Option(names = "--max-length", defaultValue = "128", paramLabel = "N",
            description = "Truncate to N tokens, [CLS] and [SEP] included; batches are padded to their longest. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--pad-to-multiple-of", defaultValue = "1", paramLabel = "N",
            description = "Pad each training batch to a multiple of N tokens (HF's pad_to_multiple_of): fewer batch shapes "
                    + "for --cuda-graphs to replay. Predictions do not change; dropout draws over the padded batch, as in HF. "
                    + "Default: ${DEFAULT-VALUE} (to the longest).")
    int padToMultipleOf;

    @Option(names = "--cuda-graphs", description = "On the GPU, replay each training step from CUDA graphs, captured on the "
            + "second step of each batch shape (kernels/README.md); pays off where launches dominate, as at batch 8. "
            + "Pair with --pad-to-multiple-of 8. Ignored on the CPU.")
    boolean cudaGraphs;

    @Option(names = "--epochs", defaultValue = "3", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N", description = "Training batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--eval-batch-size", defaultValue = "32", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int evalBatchSize;

    @Option(names = "--lr", defaultValue = "5e-5", paramLabel = "LR", description = "AdamW peak learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--adam-beta1", defaultValue = "0.9", paramLabel = "B1", description = "Default: ${DEFAULT-VALUE}.")
    double beta1;

    @Option(names = "--adam-beta2", defaultValue = "0.999", paramLabel = "B2", description = "Default: ${DEFAULT-VALUE}.")
    double beta2;

    @Option(names = "--adam-eps", defaultValue = "1e-8", paramLabel = "EPS", description = "Default: ${DEFAULT-VALUE}.")
    double eps;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "WD",
            description = "Decoupled weight decay, never on biases and LayerNorm. Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--warmup-ratio", defaultValue = "0", paramLabel = "R",
            description = "Fraction of the steps with linear warmup; then linear decay to 0. Default: ${DEFAULT-VALUE}.")
    double warmupRatio;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", paramLabel = "N",
            description = "Clip the global gradient norm to N (0: no clipping). Default: ${DEFAULT-VALUE}.")
    double maxGradNorm;

    @Option(names = "--dropout", defaultValue = "0.1", paramLabel = "P",
            description = "Dropout of hidden states, attention probabilities and the classifier input. Default: ${DEFAULT-VALUE}.")
    double dropout;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seed of the head's initialisation, the epoch orders and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--max-steps", defaultValue = "0", paramLabel = "N",
            description = "Stop after N optimizer steps in all (0: the epochs decide). Default: ${DEFAULT-VALUE}.")
    int maxSteps;

    @Option(names = "--output", paramLabel = "DIR", description = "Run folder. Default: runs/<date>_<time>.")
    Path output;

    @Option(names = "--save-steps", defaultValue = "500", paramLabel = "N",
            description = "Write checkpoint-N/ every N steps, besides every epoch end (0: epoch ends only). Default: ${DEFAULT-VALUE}.")
    int saveSteps;

    @Option(names = "--save-total-limit", defaultValue = "2", paramLabel = "N",
            description = "Keep the newest N checkpoints (0: keep all). Default: ${DEFAULT-VALUE}.")
    int saveTotalLimit;

    @Option(names = "--resume", arity = "0..1", fallbackValue = "", paramLabel = "CHECKPOINT",
            description = "Continue the run in --output from its latest checkpoint (or from the CHECKPOINT folder given).")
    String resume;

    @Option(names = "--logging-steps", defaultValue = "25", paramLabel = "N",
            description = "Without a terminal, print a progress line every N steps. Default: ${DEFAULT-VALUE}.")
    int loggingSteps;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|lines|none",
            description = "Progress display: a live bar on a terminal, plain lines otherwise (auto). Default: ${DEFAULT-VALUE}.")
    Progress.Mode progress;

    @Option(names = "--no-charts", description = "Do not draw the PNG charts.")
    boolean noCharts;

    @Option(names = "--stop-after-steps", hidden = true, paramLabel = "N",
            description = "Test hook: stop as Ctrl-C does once N steps are done.")
    Integer stopAfterSteps;

    @Option(names = "--pause-in-checkpoint", hidden = true, paramLabel = "N",
            description = "Test hook: wait to be killed inside the write of checkpoint-N, half written (CheckpointPause).")
    Integer pauseInCheckpoint;

    @Mixin DeviceOption device;

    @Override
    public Integer call() {
        validate();
        Console console = context.console();
        Path resumeFrom = resumeCheckpoint();
        Path runDir = runFolder(resumeFrom);
        BackendOptions options = device.over(context.backend(), cudaGraphs);
        Backend backend = DeviceOption.select(options, console.notices());
        if (cudaGraphs && padToMultipleOf == 1 && backend.name().equals("cuda")) {
            console.err().println("note: --cuda-graphs replays a step per batch shape, and batches padded to their longest rarely repeat one; "
                    + "--pad-to-multiple-of 8 makes them repeat");
        }
        Path modelDir = Models.resolve(model, context);
        BertConfig config = Models.config(modelDir);
        BertTokenizer tokenizer = Models.tokenizer(modelDir);

        TrainingData training = TrainingData.load(data, trainSize, evalSize, dataSeed, context);
        int maxLen = sequenceLength(config, console.err());
        List<Encoded> train = Encoding.encode(tokenizer, training.train(), maxLen);
        List<Encoded> eval = Encoding.encode(tokenizer, training.eval(), maxLen);

        // The pretrained encoder, a fresh head for our labels (a resumed run loads its checkpoint instead).
        BertForSequenceClassification net = new BertForSequenceClassification(classifierConfig(config, training.labels()), backend, seed);
        if (resumeFrom == null) Models.loadWeights(net, modelDir, console.err());

        TrainConfig cfg = trainConfig();
        RunDescription description = new RunDescription(backend.name(), options.cpuThreads(), model, maxLen, padToMultipleOf,
                cudaGraphs, dropout, training.describe());
        printPlan(console.out(), training, net, backend.name(), cfg, runDir);
        int padId = tokenizer.padId() >= 0 ? tokenizer.padId() : config.padTokenId;
        TrainingRun run = assemble(net, new TrainingRun.Examples(train, eval, training.labels(), padId, padToMultipleOf),
                dir -> Models.saveIntoRunFolder(dir, net, tokenizer), runDir, description);
        return switch (new Trainer(cfg, run).run(resumeFrom)) {
            case COMPLETED -> Main.EXIT_OK;
            case INTERRUPTED -> Main.EXIT_INTERRUPTED;
            case DIVERGED -> Main.EXIT_DIVERGED;
        };
    }

    /** --output, else runs/DATE_TIME; a folder that already holds a run is continued only with --resume. */
    private Path runFolder(Path resumeFrom) {
        Path runDir = output != null ? output
                : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss")));
        if (resumeFrom == null && Files.isRegularFile(runDir.resolve("metrics.json"))) {
            throw new UserError("--output " + runDir + " already holds a run; continue it with --resume, or choose another folder");
        }
        return runDir;
    }

    /** --max-length, capped by the model's positions; a padding that would pass them is a user error. */
    private int sequenceLength(BertConfig config, PrintStream err) {
        int maxLen = Math.min(maxLength, config.maxPositionEmbeddings);
        if (maxLen < maxLength) err.println("note: --max-length " + maxLength + " exceeds the model's " + config.maxPositionEmbeddings + " positions; using " + maxLen);
        int padded = (maxLen + padToMultipleOf - 1) / padToMultipleOf * padToMultipleOf;
        if (padded > config.maxPositionEmbeddings) {
            throw new UserError("--pad-to-multiple-of " + padToMultipleOf + ": a batch of " + maxLen + " tokens would be padded to "
                    + padded + ", beyond the model's " + config.maxPositionEmbeddings + " positions");
        }
        return maxLen;
    }

    /** The pretrained config made a classifier's: our labels, --dropout, HF's problem type and architecture. */
    private BertConfig classifierConfig(BertConfig config, LabelSet labels) {
        config.id2label = labels.id2label();
        config.problemType = "single_label_classification";
        config.architectures = new String[] {"BertForSequenceClassification"};
        config.hiddenDropoutProb = dropout;
        config.attentionProbsDropoutProb = dropout;
        config.classifierDropout = null; // follows hidden_dropout_prob, as in HF
        return config;
    }

    /** The settings that decide the run's trajectory. */
    private TrainConfig trainConfig() {
        return new TrainConfig(epochs, batchSize, evalBatchSize, lr, beta1, beta2, eps, weightDecay,
                warmupRatio, maxGradNorm, seed, maxSteps, saveSteps);
    }

    /** The two lines that say what the run will do before it starts. */
    private void printPlan(PrintStream out, TrainingData training, BertForSequenceClassification net, String device,
                           TrainConfig cfg, Path runDir) {
        int n = training.train().size();
        out.printf(Locale.ROOT, "train: %d examples of %s (%d rows), eval: %d of %s (%d rows); labels: %s%n",
                n, training.files().train(), training.trainSplit().examples().size(), training.eval().size(),
                training.files().eval(), training.evalSplit().examples().size(), training.labels());
        out.printf(Locale.ROOT, "model: %s (%,d parameters) on %s; %d steps (%d epochs of %d), batch %d, lr %s; run folder %s%n",
                model, net.parameterCount(), device, cfg.totalSteps(n), epochs, cfg.stepsPerEpoch(n), batchSize, lr, runDir);
    }

    /** The run as the trainer takes it: model, examples, folder, display, Ctrl-C's flag, description. */
    private TrainingRun assemble(BertForSequenceClassification net, TrainingRun.Examples examples, TrainingRun.ModelSaver saver,
                                 Path runDir, RunDescription description) {
        Console console = context.console();
        return new TrainingRun(net, examples,
                new TrainingRun.Folder(runDir, saveTotalLimit, !noCharts, saver),
                new TrainingRun.Display(console.out(), progress, loggingSteps),
                StopSignal.onInterrupt(console.err()), stopAfterSteps,
                pauseInCheckpoint == null ? null : new CheckpointPause(pauseInCheckpoint, console.out()), description);
    }

    private Path resumeCheckpoint() {
        if (resume == null) return null;
        if (!resume.isEmpty()) {
            Path p = Path.of(resume);
            if (!Files.isRegularFile(p.resolve(Checkpoints.STATE))) throw new UserError("--resume " + resume + ": not a checkpoint folder (no " + Checkpoints.STATE + ")");
            if (output == null) output = p.toAbsolutePath().getParent();
            return p;
        }
        if (output == null) throw new UserError("--resume needs --output RUN_DIR (the folder of the run to continue)");
        Path latest = Checkpoints.latest(output);
        if (latest == null) throw new UserError("--resume: " + output + " holds no checkpoint-N folder to continue from");
        return latest;
    }

    private void validate() {
        CommandLine cl = spec.commandLine();
        positive(cl, "--epochs", epochs);
        positive(cl, "--batch-size", batchSize);
        positive(cl, "--eval-batch-size", evalBatchSize);
        if (maxLength < 2) throw new CommandLine.ParameterException(cl, "--max-length " + maxLength + ": needs at least 2 ([CLS] and [SEP])");
        positive(cl, "--pad-to-multiple-of", padToMultipleOf);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new CommandLine.ParameterException(cl, "--lr " + lr + ": expected a positive number");
        if (!(beta1 >= 0 && beta1 < 1)) throw new CommandLine.ParameterException(cl, "--adam-beta1 " + beta1 + ": expected [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new CommandLine.ParameterException(cl, "--adam-beta2 " + beta2 + ": expected [0, 1)");
        if (!(eps > 0)) throw new CommandLine.ParameterException(cl, "--adam-eps " + eps + ": expected a positive number");
        if (!(weightDecay >= 0)) throw new CommandLine.ParameterException(cl, "--weight-decay " + weightDecay + ": expected >= 0");
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) throw new CommandLine.ParameterException(cl, "--warmup-ratio " + warmupRatio + ": expected [0, 1]");
        if (!(maxGradNorm >= 0)) throw new CommandLine.ParameterException(cl, "--max-grad-norm " + maxGradNorm + ": expected >= 0");
        if (!(dropout >= 0 && dropout < 1)) throw new CommandLine.ParameterException(cl, "--dropout " + dropout + ": expected [0, 1)");
        if (seed < 0) throw new CommandLine.ParameterException(cl, "--seed " + seed + ": expected >= 0");
        if (dataSeed < 0) throw new CommandLine.ParameterException(cl, "--data-seed " + dataSeed + ": expected >= 0");
        if (maxSteps < 0) throw new CommandLine.ParameterException(cl, "--max-steps " + maxSteps + ": expected >= 0");
        if (saveSteps < 0) throw new CommandLine.ParameterException(cl, "--save-steps " + saveSteps + ": expected >= 0");
        if (saveTotalLimit < 0) throw new CommandLine.ParameterException(cl, "--save-total-limit " + saveTotalLimit + ": expected >= 0");
        positive(cl, "--logging-steps", loggingSteps);
    }

    static void positive(CommandLine cl, String flag, int v) {
        if (v <= 0) throw new CommandLine.ParameterException(cl, flag + " " + v + ": expected a positive number");
    }
}
