package jbert.trainer.cli;

import jbert.engine.Backend;
import jbert.engine.Grad;
import jbert.engine.Scope;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForMaskedLM;
import jbert.tokenizer.BertTokenizer;
import jbert.tokenizer.EncodeOptions;
import jbert.tokenizer.Encoding;
import jbert.trainer.UserError;
import jbert.trainer.train.Evaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jbert fill-mask}: the masked-LM head's best guesses for each [MASK]. */
@Command(name = "fill-mask", sortOptions = false, mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Predict the tokens hidden behind [MASK] with the pretrained masked-language-model head "
                + "(e.g. \"the capital of france is [MASK].\").")
public final class FillMaskCommand implements Callable<Integer> {
    private final CommandContext context;

    /** The command, printing to the context's console. */
    public FillMaskCommand(CommandContext context) { this.context = context; }

    @Parameters(arity = "1", paramLabel = "TEXT", description = "A text with at least one [MASK].")
    String text;

    @Option(names = "--model", defaultValue = Models.DEFAULT, paramLabel = "NAME|DIR", description = Models.PRETRAINED_HELP)
    String model;

    @Option(names = "--top-k", defaultValue = "5", paramLabel = "K", description = "Guesses per mask. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Mixin DeviceOption device;

    @Override
    public Integer call() {
        if (topK < 1) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--top-k " + topK + ": expected a positive number");
        PrintStream out = context.console().out(), err = context.console().err();
        Backend backend = device.select(context);
        Path modelDir = Models.resolve(model, context);
        BertConfig config = Models.config(modelDir);
        BertTokenizer tokenizer = Models.tokenizer(modelDir);
        Encoding enc = tokenizer.encode(text, EncodeOptions.truncateTo(config.maxPositionEmbeddings));
        int[] ids = enc.ids();
        List<Integer> masks = new ArrayList<>();
        for (int t = 0; t < ids.length; t++) if (ids[t] == tokenizer.maskId()) masks.add(t);
        if (masks.isEmpty()) throw new UserError("the text has no " + tokenizer.token(tokenizer.maskId()) + " token");

        BertForMaskedLM mlm = new BertForMaskedLM(config, backend, 0);
        Models.loadWeights(mlm, modelDir, err);
        mlm.train(false);
        int T = ids.length, V = config.vocabSize;
        int[] ones = new int[T];
        java.util.Arrays.fill(ones, 1);
        float[] logits;
        try (Grad.NoGrad ng = Grad.disabled(); Scope s = Scope.open()) {
            logits = mlm.logits(new Batch(1, T, ids, new int[T], ones, null)).toArray(); // [1, T, V]
        }
        for (int m : masks) {
            float[] row = java.util.Arrays.copyOfRange(logits, m * V, (m + 1) * V);
            double[] p = Evaluator.softmax(row);
            Integer[] order = new Integer[V];
            for (int i = 0; i < V; i++) order[i] = i;
            java.util.Arrays.sort(order, (x, y) -> Double.compare(p[y], p[x]));
            if (masks.size() > 1) out.println("[MASK] at token " + m + ":");
            for (int k = 0; k < Math.min(topK, V); k++) {
                int id = order[k];
                int[] filled = ids.clone();
                filled[m] = id;
                out.printf(Locale.ROOT, "%d. %-12s %.4f  %s%n", k + 1, tokenizer.token(id), p[id],
                        tokenizer.decode(filled, true));
            }
        }
        return 0;
    }
}
