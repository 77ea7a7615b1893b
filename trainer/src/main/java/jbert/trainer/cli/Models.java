package jbert.trainer.cli;

import jbert.engine.bert.BertConfig;
import jbert.engine.io.ConfigJson;
import jbert.engine.io.Safetensors;
import jbert.engine.io.StateDict;
import jbert.engine.io.TensorSource;
import jbert.engine.nn.Module;
import jbert.tokenizer.BertTokenizer;
import jbert.trainer.UserError;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The commands' one way to a model folder: {@code --model} as a name or a path, its config, tokenizer
 * and weights. Reading and writing the formats is the model I/O layer's ({@code jbert.engine.io},
 * {@code jbert.trainer.model}); this class only strings the calls together for the commands.
 */
final class Models {
    private Models() {}

    static final String DEFAULT = "bert-base-uncased";

    /** The HF-layout folder of {@code --model}. */
    static Path resolve(String model, PrintStream err) {
        Path p = Path.of(model);
        if (Files.isDirectory(p)) return p;
        if (Files.exists(p)) throw new UserError("--model " + model + ": expected a model folder (config.json and weights), not a file");
        throw new UserError("--model " + model + ": no such folder (give a folder holding config.json and model.safetensors)");
    }

    static BertConfig config(Path dir) {
        Path f = dir.resolve("config.json");
        if (!Files.isRegularFile(f)) throw new UserError(dir + ": no config.json (not a model folder)");
        return ConfigJson.read(f);
    }

    static BertTokenizer tokenizer(Path dir) {
        return BertTokenizer.load(dir);
    }

    /** Loads the folder's weights into {@code model} by HF name; says what was newly initialised. */
    static StateDict.LoadReport loadWeights(Module model, Path dir, PrintStream err) {
        try (TensorSource src = Safetensors.open(dir)) {
            StateDict.LoadReport r = StateDict.load(model, src);
            if (!r.newlyInitialized().isEmpty()) {
                err.println("note: newly initialised (not in " + dir + "): " + String.join(", ", r.newlyInitialized()));
            }
            return r;
        }
    }
}
