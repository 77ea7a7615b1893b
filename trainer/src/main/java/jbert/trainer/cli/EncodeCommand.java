package jbert.trainer.cli;

import jbert.engine.Backend;
import jbert.engine.Grad;
import jbert.engine.Scope;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertModel;
import jbert.engine.io.HostTensor;
import jbert.engine.io.Safetensors;
import jbert.tokenizer.BertTokenizer;
import jbert.tokenizer.EncodeOptions;
import jbert.tokenizer.Encoding;
import jbert.trainer.UserError;
import jbert.trainer.data.TextInputs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jbert encode}: BERT features of texts, as a safetensors file. */
@Command(name = "encode", sortOptions = false, mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Run the encoder over texts and write last_hidden_state [N, T, H], pooler_output [N, H],",
                "input_ids and attention_mask [N, T] (T: the longest text) to a safetensors file (float32).",
                "Input as for tokenize: one text per line, or .jsonl."})
public final class EncodeCommand implements Callable<Integer> {
    private final CommandContext context;

    /** The command, printing to the context's console. */
    public EncodeCommand(CommandContext context) { this.context = context; }

    @Spec CommandSpec spec;

    @Option(names = "--model", defaultValue = Models.DEFAULT, paramLabel = "NAME|DIR", description = Models.PRETRAINED_HELP)
    String model;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "The texts.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE.safetensors", description = "Where to write the features.")
    Path output;

    @Option(names = "--max-length", defaultValue = "512", paramLabel = "N", description = "Truncate to N tokens. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--pair", description = "Encode text/text_pair pairs from a .jsonl input.")
    boolean pair;

    @Mixin DeviceOption device;

    @Override
    public Integer call() {
        TrainCommand.positive(spec.commandLine(), "--batch-size", batchSize);
        if (maxLength < 2) throw new CommandLine.ParameterException(spec.commandLine(), "--max-length " + maxLength + ": needs at least 2");
        PrintStream err = context.console().err();
        Backend backend = device.select(context);
        Path modelDir = Models.resolve(model, context);
        BertConfig config = Models.config(modelDir);
        BertTokenizer tokenizer = Models.tokenizer(modelDir);
        List<TextInputs.Text> texts = TextInputs.read(input, pair);
        if (texts.isEmpty()) throw new UserError(input + ": no texts");
        List<String> a = new ArrayList<>(), b = pair ? new ArrayList<>() : null;
        for (TextInputs.Text t : texts) { a.add(t.text()); if (pair) b.add(t.pair()); }
        List<Encoding> enc = tokenizer.encodeBatch(a, b, EncodeOptions.truncateTo(Math.min(maxLength, config.maxPositionEmbeddings)));

        BertModel bert = new BertModel(config, backend, 0);
        Models.loadWeights(bert, modelDir, err);
        bert.train(false);

        // Every batch is padded to the longest text of all, so each row is what one padded batch of
        // every text would give (padding positions included).
        int N = enc.size(), H = config.hiddenSize, T = 0;
        for (Encoding e : enc) T = Math.max(T, e.ids().length);
        float[] hidden = new float[N * T * H];   // [N, T, H]
        float[] pooled = new float[N * H];       // [N, H]
        float[] ids = new float[N * T], mask = new float[N * T]; // [N, T]
        int pad = tokenizer.padId() >= 0 ? tokenizer.padId() : config.padTokenId;
        try (Grad.NoGrad ng = Grad.disabled()) {
            for (int start = 0; start < N; start += batchSize) {
                int B = Math.min(batchSize, N - start);
                int[] bi = new int[B * T], bt = new int[B * T], bm = new int[B * T];
                for (int r = 0; r < B; r++) {
                    Encoding e = enc.get(start + r);
                    int[] x = e.ids(), tt = e.typeIds();
                    for (int t = 0; t < T; t++) {
                        boolean real = t < x.length;
                        bi[r * T + t] = real ? x[t] : pad;
                        bt[r * T + t] = real ? tt[t] : 0;
                        bm[r * T + t] = real ? 1 : 0;
                        ids[(start + r) * T + t] = bi[r * T + t];
                        mask[(start + r) * T + t] = bm[r * T + t];
                    }
                }
                try (Scope s = Scope.open()) {
                    BertModel.Output o = bert.forward(new Batch(B, T, bi, bt, bm, null));
                    System.arraycopy(o.lastHiddenState().toArray(), 0, hidden, start * T * H, B * T * H);
                    System.arraycopy(o.pooled().toArray(), 0, pooled, start * H, B * H);
                }
            }
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        out.put("last_hidden_state", new HostTensor(new int[] {N, T, H}, hidden));
        out.put("pooler_output", new HostTensor(new int[] {N, H}, pooled));
        out.put("input_ids", new HostTensor(new int[] {N, T}, ids));
        out.put("attention_mask", new HostTensor(new int[] {N, T}, mask));
        Safetensors.write(output, out);
        err.println("wrote " + output + ": last_hidden_state [" + N + ", " + T + ", " + H + "], pooler_output [" + N + ", " + H + "]");
        return 0;
    }
}
