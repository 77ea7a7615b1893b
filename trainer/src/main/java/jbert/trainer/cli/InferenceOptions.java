package jbert.trainer.cli;

import jbert.engine.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.PrintStream;

/**
 * What the commands that run a fine-tuned classifier ({@code eval}, {@code predict}) share: the
 * tokenizer's length limit, the batch size, the device, and opening the model folder.
 */
final class InferenceOptions {
    @Option(names = "--max-length", defaultValue = "128", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Mixin DeviceOption device;

    /** The chosen backend and the opened classifier folder (its weights not loaded yet). */
    record Opened(Backend backend, Models.Classifier classifier) {
        /** --max-length, capped by the model's position table. */
        int maxLength(int asked) { return Math.min(asked, classifier.config().maxPositionEmbeddings); }

        /** The classifier's weights, on the chosen device. */
        jbert.engine.bert.BertForSequenceClassification load(PrintStream err) { return classifier.load(backend, err); }
    }

    /** Checks --batch-size and --max-length, chooses the device and opens the folder at {@code model}. */
    Opened open(CommandSpec spec, String model, CommandContext context) {
        TrainCommand.positive(spec.commandLine(), "--batch-size", batchSize);
        if (maxLength < 2) throw new CommandLine.ParameterException(spec.commandLine(), "--max-length " + maxLength + ": needs at least 2");
        Backend backend = device.select(context);
        return new Opened(backend, Models.classifier(model, context));
    }
}
