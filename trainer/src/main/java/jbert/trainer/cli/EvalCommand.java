package jbert.trainer.cli;

import jbert.engine.bert.BertForSequenceClassification;
import jbert.tokenizer.BertTokenizer;
import jbert.trainer.UserError;
import jbert.trainer.data.DataFiles;
import jbert.trainer.data.Encoded;
import jbert.trainer.data.LabelSet;
import jbert.trainer.data.Splits;
import jbert.trainer.report.EvalLog;
import jbert.trainer.report.Json;
import jbert.trainer.report.Progress;
import jbert.trainer.report.Tables;
import jbert.trainer.train.Evaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jbert eval}: accuracy, per-class scores and confusion matrix of a fine-tuned classifier. */
@Command(name = "eval", sortOptions = false, mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Evaluate a fine-tuned classifier on a labelled split: accuracy, per-class precision/recall/F1, "
                + "macro-F1 and the confusion matrix.")
public final class EvalCommand implements Callable<Integer> {
    private final CommandContext context;

    /** The command, printing to the context's console. */
    public EvalCommand(CommandContext context) { this.context = context; }

    public enum Split { validation, train }

    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A fine-tuned model folder (a run folder of jbert train).")
    String model;

    @Mixin DataOptions data;

    @Option(names = "--split", defaultValue = "validation", paramLabel = "validation|train",
            description = "Which split of --data to evaluate. Default: ${DEFAULT-VALUE}.")
    Split split;

    @Option(names = "--limit", converter = Count.Converter.class, defaultValue = "all", paramLabel = "N|all",
            description = "Evaluate the first N of the seeded shuffle (--data-seed), as train picks its evaluation subset. Default: ${DEFAULT-VALUE}.")
    Count limit;

    @Option(names = "--data-seed", defaultValue = "42", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    long dataSeed;

    @Option(names = "--json", description = "Print the result as one JSON object instead of tables.")
    boolean json;

    @Mixin InferenceOptions run;

    @Override
    public Integer call() throws Exception {
        PrintStream out = context.console().out(), err = context.console().err();
        InferenceOptions.Opened opened = run.open(spec, model, context);
        BertTokenizer tokenizer = opened.classifier().tokenizer();
        LabelSet labels = opened.classifier().labels();
        if (data.labels != null && !data.labels.equals(labels.names())) {
            throw new UserError("--labels " + String.join(",", data.labels) + " differ from the model's labels " + labels);
        }

        DataFiles files = data.files(context);
        Path file = split == Split.train ? files.train() : files.eval();
        if (file == null) throw new UserError("no " + split + " file (give --data DIR, or --" + (split == Split.train ? "train" : "eval") + "-file)");
        Splits.Loaded loaded = data.examples(file, data.read(file), labels);
        DataOptions.reportSkipped(err, loaded.skipped(), List.of());
        var examples = Splits.take(loaded.examples(), limit.n(), dataSeed);
        if (examples.isEmpty()) throw new UserError(file + ": no examples to evaluate");
        List<Encoded> encoded = Encoding.encode(tokenizer, examples, opened.maxLength(run.maxLength));

        BertForSequenceClassification net = opened.load(err);
        int pad = opened.classifier().padId();
        EvalLog e;
        // A bar on a terminal (on stderr, so the tables on stdout stay clean when piped).
        try (Progress.Counter c = Progress.counter(Progress.isTerminal() ? Progress.Mode.bar : Progress.Mode.none, err, "eval", encoded.size())) {
            e = Evaluator.evaluate(split.name(), 0, 0, net, encoded, run.batchSize, pad, labels, null, c);
        }
        if (json) {
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(e));
            return 0;
        }
        out.printf(Locale.ROOT, "%s: %d examples of %s (%d rows)%n", model, encoded.size(), file, loaded.examples().size());
        out.printf(Locale.ROOT, "accuracy %.4f  macro-F1 %.4f  loss %.4f  (%.1f s)%n%n", e.accuracy(), e.metrics().macroF1(), e.loss(), e.seconds());
        out.println(Tables.perClass(e.metrics()));
        out.println("Confusion matrix (rows: true class, columns: predicted)\n");
        out.print(Tables.confusion(e.metrics()));
        return 0;
    }
}
