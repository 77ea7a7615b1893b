package jbert.trainer.model;

import jbert.engine.Backend;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.io.AtomicFiles;
import jbert.engine.io.ConfigJson;
import jbert.engine.io.HostTensor;
import jbert.engine.io.Safetensors;
import jbert.engine.io.StateDict;
import jbert.engine.io.TensorSource;
import jbert.engine.nn.Module;
import jbert.tokenizer.BertTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Hugging Face model folders, read and written.
 *
 * <p>A saved classifier is what {@code save_pretrained} writes, so
 * {@code AutoModelForSequenceClassification.from_pretrained(dir)} and
 * {@code AutoTokenizer.from_pretrained(dir)} load it with no missing or unexpected keys:
 * {@code config.json} ({@code architectures ["BertForSequenceClassification"]}, {@code id2label},
 * {@code label2id}, {@code problem_type}), {@code model.safetensors} (HF keys, {@code {"format":"pt"}}),
 * {@code vocab.txt}, {@code tokenizer.json}, {@code tokenizer_config.json},
 * {@code special_tokens_map.json}. The folder appears all at once: it is written as a hidden sibling and
 * renamed into place.
 */
public final class HfFolder {
    private HfFolder() {}

    /** A loaded classifier with its config, tokenizer and the load report. */
    public record Classifier(BertForSequenceClassification model, BertConfig config, BertTokenizer tokenizer,
                             StateDict.LoadReport report) {}

    public static BertConfig config(Path dir) {
        return ConfigJson.read(dir.resolve("config.json"));
    }

    /** The folder's weights, single file or sharded. */
    public static TensorSource weights(Path dir) {
        return Safetensors.open(dir);
    }

    public static BertTokenizer tokenizer(Path dir) {
        return BertTokenizer.load(dir);
    }

    /**
     * A classifier from an HF folder. {@code numLabels}/{@code id2label}: when {@code labels} is not
     * null they replace the folder's (a pretrained encoder gets a fresh head of that size, as
     * {@code from_pretrained(dir, num_labels=...)} does).
     */
    public static Classifier loadClassifier(Path dir, Map<Integer, String> labels, Backend backend, long seed) {
        BertConfig config = config(dir);
        if (labels != null) config.id2label = new java.util.LinkedHashMap<>(labels);
        BertForSequenceClassification model = new BertForSequenceClassification(config, backend, seed);
        StateDict.LoadReport report;
        try (TensorSource w = weights(dir)) {
            report = StateDict.load(model, w);
        }
        return new Classifier(model, config, tokenizer(dir), report);
    }

    /** Saves a classifier as an HF folder at {@code dir}, replacing what was there. */
    public static void saveClassifier(Path dir, BertForSequenceClassification model, BertTokenizer tokenizer) {
        BertConfig config = model.config().copy();
        config.architectures = new String[]{"BertForSequenceClassification"};
        if (config.problemType == null) config.problemType = "single_label_classification";
        save(dir, model, config, tokenizer);
    }

    /** Saves any of our BERT modules with the given config (its {@code architectures} says which). */
    public static void save(Path dir, Module model, BertConfig config, BertTokenizer tokenizer) {
        Map<String, HostTensor> tensors = StateDict.export(model);
        Path abs = dir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Path staging = null, old = null;
        try {
            Files.createDirectories(parent);
            staging = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
            AtomicFiles.readableByAll(staging);
            ConfigJson.write(staging.resolve("config.json"), config);
            Safetensors.write(staging.resolve(Safetensors.SINGLE_FILE), tensors);
            tokenizer.save(staging);
            if (Files.exists(abs)) {
                // Swap: the old folder steps aside, the new one moves in, then the old one goes.
                old = parent.resolve("." + abs.getFileName() + ".old-" + System.nanoTime());
                Files.move(abs, old, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            AtomicFiles.moveAtomically(staging, abs);
            staging = null;
        } catch (IOException e) {
            if (old != null && !Files.exists(abs)) {
                try { Files.move(old, abs); old = null; } catch (IOException ignored) { /* leave it at its .old name */ }
            }
            throw new UncheckedIOException(abs + ": cannot save the model (" + e.getMessage() + ")", e);
        } finally {
            if (staging != null) ModelCache.deleteTree(staging);
            if (old != null) ModelCache.deleteTree(old);
        }
    }
}
