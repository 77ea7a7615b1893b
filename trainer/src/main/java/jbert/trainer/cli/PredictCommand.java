package jbert.trainer.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.tokenizer.BertTokenizer;
import jbert.tokenizer.EncodeOptions;
import jbert.trainer.data.Encoded;
import jbert.trainer.data.LabelSet;
import jbert.trainer.report.Json;
import jbert.trainer.train.Evaluator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jbert predict}: the label and class probabilities of each text. */
@Command(name = "predict", sortOptions = false, mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Classify texts with a fine-tuned model: the label and the probability of each class per text. "
                + "Reads one text per line from stdin when no TEXT is given.")
public final class PredictCommand implements Callable<Integer> {
    private final CommandContext context;

    /** The command, printing to the context's console. */
    public PredictCommand(CommandContext context) { this.context = context; }

    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A fine-tuned model folder.")
    String model;

    @Parameters(arity = "0..*", paramLabel = "TEXT", description = "Texts to classify (default: stdin lines).")
    List<String> texts;

    @Option(names = "--json", description = "One JSON object per text: {\"text\", \"label\", \"probabilities\"}.")
    boolean json;

    @Option(names = "--logits", description = "With --json, also \"input_ids\" (the tokens the model read) and \"logits\" "
            + "(the raw scores, by label id): what bench/peers/hf_load_check.py compares with Hugging Face.")
    boolean withLogits;

    @Mixin InferenceOptions run;

    @Override
    public Integer call() throws Exception {
        PrintStream out = context.console().out(), err = context.console().err();
        if (withLogits && !json) throw new CommandLine.ParameterException(spec.commandLine(), "--logits: needs --json");
        InferenceOptions.Opened opened = run.open(spec, model, context);
        BertForSequenceClassification net = opened.load(err);
        BertTokenizer tokenizer = opened.classifier().tokenizer();
        LabelSet labels = opened.classifier().labels();
        int pad = opened.classifier().padId();
        int maxLen = opened.maxLength(run.maxLength);

        if (texts != null && !texts.isEmpty()) {
            classify(texts, net, tokenizer, labels, pad, maxLen, out);
            return 0;
        }
        // Stream stdin a batch at a time, so a long input starts answering at once.
        BufferedReader in = new BufferedReader(new InputStreamReader(context.console().in(), StandardCharsets.UTF_8));
        List<String> chunk = new ArrayList<>();
        for (String line; (line = in.readLine()) != null; ) {
            chunk.add(line);
            if (chunk.size() == run.batchSize) { classify(chunk, net, tokenizer, labels, pad, maxLen, out); chunk.clear(); }
        }
        if (!chunk.isEmpty()) classify(chunk, net, tokenizer, labels, pad, maxLen, out);
        return 0;
    }

    private void classify(List<String> batch, BertForSequenceClassification net, BertTokenizer tokenizer, LabelSet labels,
                          int pad, int maxLen, PrintStream out) throws Exception {
        List<jbert.tokenizer.Encoding> enc = tokenizer.encodeBatch(batch, EncodeOptions.truncateTo(maxLen));
        List<Encoded> items = new ArrayList<>(batch.size());
        for (jbert.tokenizer.Encoding e : enc) items.add(new Encoded(e.ids(), 0));
        float[][] logits = Evaluator.logits(net, items, run.batchSize, pad, null);
        for (int i = 0; i < batch.size(); i++) {
            out.println(json ? jsonLine(batch.get(i), enc.get(i).ids(), logits[i], labels) : textLine(batch.get(i), logits[i], labels));
        }
        out.flush();
    }

    /** {"text", "label", "probabilities"}, and with --logits "input_ids" and "logits", on one line. */
    private String jsonLine(String text, int[] ids, float[] logits, LabelSet labels)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        double[] p = Evaluator.softmax(logits);
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("text", text);
        o.put("label", labels.name(Evaluator.argmax(logits)));
        ObjectNode probs = o.putObject("probabilities");
        for (int c = 0; c < p.length; c++) probs.put(labels.name(c), p[c]);
        if (withLogits) {
            ArrayNode idList = o.putArray("input_ids");
            for (int id : ids) idList.add(id);
            // Each float32 logit widened to double, so the JSON holds its exact value.
            ArrayNode raw = o.putArray("logits");
            for (float v : logits) raw.add((double) v);
        }
        return Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
    }

    /** "label p  [label p, ...]  text". */
    private static String textLine(String text, float[] logits, LabelSet labels) {
        double[] p = Evaluator.softmax(logits);
        int best = Evaluator.argmax(logits);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %.4f  [", labels.name(best), p[best]));
        for (int c = 0; c < p.length; c++) {
            if (c > 0) sb.append(", ");
            sb.append(String.format(Locale.ROOT, "%s %.4f", labels.name(c), p[c]));
        }
        return sb.append("]  ").append(text).toString();
    }
}
