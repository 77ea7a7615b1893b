package jbert.trainer.cli;

import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.io.AtomicFiles;
import jbert.engine.io.StateDict;
import jbert.engine.io.TensorSource;
import jbert.engine.nn.Module;
import jbert.tokenizer.BertTokenizer;
import jbert.trainer.UserError;
import jbert.trainer.model.HfFolder;
import jbert.trainer.model.ModelResolver;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The commands' one way to a model: {@code --model} as a name or a path, its config, tokenizer and
 * weights. The formats themselves belong to the model I/O layer ({@link ModelResolver},
 * {@link HfFolder}, {@code jbert.engine.io}); this class only strings the calls together.
 */
final class Models {
    private Models() {}

    /** A classifier folder as eval and predict use it: config, tokenizer, labels; weights loaded on demand. */
    record Classifier(Path dir, BertConfig config, BertTokenizer tokenizer, jbert.trainer.data.LabelSet labels) {
        /** The tokenizer's [PAD] id, else the config's pad_token_id. */
        int padId() { return tokenizer.padId() >= 0 ? tokenizer.padId() : config.padTokenId; }

        /** Builds the model on {@code backend} and loads the folder's weights into it. */
        BertForSequenceClassification load(jbert.engine.Backend backend, PrintStream err) {
            BertForSequenceClassification net = new BertForSequenceClassification(config, backend, 0);
            loadWeights(net, dir, err);
            return net;
        }
    }

    /** Resolves {@code --model} and reads its config, tokenizer and labels (the weights wait for load). */
    static Classifier classifier(String model, CommandContext context) {
        Path dir = resolve(model, context);
        BertConfig config = config(dir);
        return new Classifier(dir, config, tokenizer(dir), jbert.trainer.data.LabelSet.fromId2Label(config.id2label));
    }

    static final String DEFAULT = ModelResolver.BERT_BASE_UNCASED;

    /** What {@code --model NAME|DIR} accepts ({@link ModelResolver}), for the commands' help. */
    static final String PRETRAINED_HELP = "Pretrained model: bert-base-uncased, a Hugging Face folder, or a TensorFlow "
            + "checkpoint folder (converted once into the model cache). Default: ${DEFAULT-VALUE}.";

    /** The HF-layout folder of {@code --model} (converting bert-base-uncased or a TF checkpoint once, into the context's home). */
    static Path resolve(String model, CommandContext context) {
        return ModelResolver.resolve(model, context.home(), context.console().notices());
    }

    static BertConfig config(Path dir) {
        if (!Files.isRegularFile(dir.resolve("config.json"))) throw new UserError(dir + ": no config.json (not a model folder)");
        return HfFolder.config(dir);
    }

    static BertTokenizer tokenizer(Path dir) {
        return HfFolder.tokenizer(dir);
    }

    /** Loads the folder's weights into {@code model} by HF name; says what was newly initialised. */
    static StateDict.LoadReport loadWeights(Module model, Path dir, PrintStream err) {
        try (TensorSource src = HfFolder.weights(dir)) {
            StateDict.LoadReport r = StateDict.load(model, src);
            if (!r.newlyInitialized().isEmpty()) {
                err.println("note: newly initialised (not in " + dir + "): " + String.join(", ", r.newlyInitialized()));
            }
            return r;
        }
    }

    /**
     * Saves the fine-tuned classifier into the run folder itself (beside metrics.json and the
     * checkpoints, as HF's Trainer.save_model does), so the run folder is a model folder for
     * {@code eval}, {@code predict} and {@code from_pretrained}. Written as a complete HF folder in a
     * hidden staging folder, then each file renamed into place.
     */
    static void saveIntoRunFolder(Path runDir, BertForSequenceClassification model, BertTokenizer tokenizer) throws IOException {
        Path staging = runDir.resolve(".final-model.tmp");
        HfFolder.saveClassifier(staging, model, tokenizer);
        List<Path> files;
        try (Stream<Path> s = Files.list(staging)) { files = s.toList(); }
        for (Path f : files) AtomicFiles.moveAtomically(f, runDir.resolve(f.getFileName()));
        Files.delete(staging);
    }
}
