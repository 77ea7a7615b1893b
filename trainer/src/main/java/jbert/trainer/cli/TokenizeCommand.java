package jbert.trainer.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import jbert.engine.io.AtomicFiles;
import jbert.tokenizer.BertTokenizer;
import jbert.tokenizer.EncodeOptions;
import jbert.tokenizer.Encoding;
import jbert.trainer.data.TextInputs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jbert tokenize}: texts to WordPiece ids, as HF tokenizers gives them. */
@Command(name = "tokenize", sortOptions = false, mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Tokenize texts into BERT input ids (JSON lines {\"input_ids\":[...]}).",
                "A .jsonl input holds a JSON string or an object with \"text\" (and \"text_pair\" with --pair) per line;",
                "any other file one text per line."})
public final class TokenizeCommand implements Callable<Integer> {
    private final CommandContext context;

    /** The command, printing to the context's console. */
    public TokenizeCommand(CommandContext context) { this.context = context; }

    @Spec CommandSpec spec;

    @Option(names = "--vocab", paramLabel = "vocab.txt|tokenizer.json|DIR",
            description = "Vocabulary: a vocab.txt, a tokenizer.json or a model folder. Default: bert-base-uncased's.")
    Path vocab;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "The texts.")
    Path input;

    @Option(names = "--output", paramLabel = "FILE", description = "Write here (atomically) instead of stdout.")
    Path output;

    @Option(names = "--pair", description = "Encode text/text_pair pairs ([CLS] A [SEP] B [SEP]).")
    boolean pair;

    @Option(names = "--max-length", paramLabel = "N", description = "Truncate (longest first) to N ids, specials included.")
    Integer maxLength;

    @Option(names = "--tokens", description = "Add the token strings (\"tokens\") to each line.")
    boolean tokens;

    /** Accepted like every command's; tokenizing itself always runs on the CPU cores. */
    @picocli.CommandLine.Mixin DeviceOption device;

    @Override
    public Integer call() throws IOException {
        if (maxLength != null && maxLength < (pair ? 3 : 2)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-length " + maxLength + ": too short for the special tokens");
        }
        BertTokenizer tokenizer = BertTokenizer.load(vocab != null ? vocab : Models.resolve(Models.DEFAULT, context));
        List<TextInputs.Text> texts = TextInputs.read(input, pair);
        EncodeOptions opts = maxLength == null ? EncodeOptions.NONE : EncodeOptions.truncateTo(maxLength);
        List<String> a = new ArrayList<>(texts.size()), b = pair ? new ArrayList<>(texts.size()) : null;
        for (TextInputs.Text t : texts) { a.add(t.text()); if (pair) b.add(t.pair()); }
        List<Encoding> enc = tokenizer.encodeBatch(a, b, opts);

        if (output == null) {
            write(enc, context.console().out());
            context.console().out().flush();
        } else {
            // All in memory, then one atomic write: an error leaves no half file behind.
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            write(enc, buf);
            AtomicFiles.write(output, buf.toByteArray());
        }
        return 0;
    }

    private void write(List<Encoding> enc, OutputStream out) throws IOException {
        JsonFactory f = new JsonFactory();
        for (Encoding e : enc) {
            JsonGenerator g = f.createGenerator(out);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeArrayFieldStart("input_ids");
            for (int id : e.ids()) g.writeNumber(id);
            g.writeEndArray();
            if (tokens) {
                g.writeArrayFieldStart("tokens");
                for (String t : e.tokens()) g.writeString(t);
                g.writeEndArray();
            }
            g.writeEndObject();
            g.close();
            out.write('\n');
        }
    }
}
