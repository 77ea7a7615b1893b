package jbert.trainer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jbert.engine.Backends;
import jbert.engine.Scope;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.io.ModelFormatException;
import jbert.engine.io.SafetensorsFile;
import jbert.engine.nn.Module;
import jbert.tokenizer.BertTokenizer;
import jbert.trainer.TestData;
import jbert.trainer.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** --model resolution, the cache's publish-once protocol, and saving/loading classifier folders (tiny-bert). */
class ModelResolverTest {
    @TempDir Path tmp;

    @Test
    void hfFolderResolvesToItself() {
        Path tiny = TestData.tinyBert();
        assertEquals(tiny, ModelResolver.resolve(tiny.toString(), tmp.resolve("home"), m -> fail("no notice expected: " + m)));
    }

    @Test
    void folderWithoutWeightsIsRejected() throws IOException {
        Files.copy(TestData.tinyBert().resolve("config.json"), tmp.resolve("config.json"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelResolver.resolve(tmp.toString(), tmp.resolve("home"), m -> {}));
        assertEquals(tmp + ": no weights (model.safetensors, model.safetensors.index.json or a TF checkpoint)", e.getMessage());
        Files.writeString(tmp.resolve("pytorch_model.bin"), "pickle");
        e = assertThrows(ModelFormatException.class, () -> ModelResolver.resolve(tmp.toString(), tmp.resolve("home"), m -> {}));
        assertTrue(e.getMessage().contains("pytorch_model.bin"), e.getMessage());
    }

    @Test
    void weightsWithoutConfigAreRejected() throws IOException {
        Files.copy(TestData.tinyBert().resolve("model.safetensors"), tmp.resolve("model.safetensors"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelResolver.resolve(tmp.toString(), tmp.resolve("home"), m -> {}));
        assertEquals(tmp + ": weights but no config.json", e.getMessage());
    }

    @Test
    void unknownNamesAndFilesAreUserErrors() throws IOException {
        UserError e = assertThrows(UserError.class, () -> ModelResolver.resolve("bert-huge-cased", tmp.resolve("home"), m -> {}));
        assertTrue(e.getMessage().startsWith("--model bert-huge-cased: no such folder, and not a known model name [bert-base-uncased]"));
        Path f = Files.writeString(tmp.resolve("model.txt"), "x");
        e = assertThrows(UserError.class, () -> ModelResolver.resolve(f.toString(), tmp.resolve("home"), m -> {}));
        assertTrue(e.getMessage().contains("a file; expected a model folder"), e.getMessage());
    }

    @Test
    void concurrentFirstUsesBuildOnce() throws Exception {
        Path target = tmp.resolve("models").resolve("m");
        Files.createDirectories(target.getParent());
        Files.createDirectories(target.getParent().resolve(".m.tmp-stale"));   // left by a killed run
        AtomicInteger builds = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Path>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            results.add(pool.submit(() -> ModelCache.getOrBuild(target, staging -> {
                builds.incrementAndGet();
                Files.writeString(staging.resolve("a.txt"), "first half");
                try { Thread.sleep(200); } catch (InterruptedException ex) { throw new IOException(ex); }
                Files.writeString(staging.resolve("b.txt"), "second half");
            })));
        }
        for (Future<Path> r : results) assertEquals(target.toAbsolutePath(), r.get());
        pool.shutdown();
        assertEquals(1, builds.get());
        assertEquals("second half", Files.readString(target.resolve("b.txt")));
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(List.of(".m.lock", "m"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no temp folders left");
        }
    }

    @Test
    void failedBuildLeavesNothingBehind() throws IOException {
        Path target = tmp.resolve("models").resolve("broken");
        assertThrows(ModelFormatException.class, () -> ModelCache.getOrBuild(target, staging -> {
            Files.writeString(staging.resolve("half.txt"), "x");
            throw new ModelFormatException("input.bin: corrupt");
        }));
        assertFalse(Files.exists(target));
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")));
        }
    }

    private static Batch batch() {
        int B = 2, T = 6;
        int[] ids = {2, 17, 33, 40, 3, 0, 2, 9, 3, 0, 0, 0};
        int[] mask = {1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0};
        return new Batch(B, T, ids, new int[B * T], mask, null);
    }

    private static float[] logits(BertForSequenceClassification m) {
        m.train(false);
        try (Scope s = Scope.open()) {
            return m.logits(batch()).toArray();
        }
    }

    @Test
    void savedClassifierLoadsBackWithIdenticalLogits() throws IOException {
        Path tiny = TestData.tinyBert();
        HfFolder.Classifier c = HfFolder.loadClassifier(tiny, null, Backends.cpu(), 1);
        assertTrue(c.report().newlyInitialized().isEmpty() && c.report().unexpected().isEmpty());
        Path out = tmp.resolve("run").resolve("model");
        HfFolder.saveClassifier(out, c.model(), c.tokenizer());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of("config.json", "model.safetensors", "special_tokens_map.json", "tokenizer.json",
                    "tokenizer_config.json", "vocab.txt"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("BertForSequenceClassification", config.get("architectures").get(0).asText());
        assertEquals("Bullish", config.get("id2label").get("1").asText());
        assertEquals(2, config.get("label2id").get("Neutral").asInt());
        assertEquals("single_label_classification", config.get("problem_type").asText());
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(c.model().namedParameters().keySet(), new java.util.LinkedHashSet<>(f.names()));
        }

        HfFolder.Classifier back = HfFolder.loadClassifier(out, null, Backends.cpu(), 2);
        Map<String, jbert.engine.io.HostTensor> saved = jbert.engine.io.StateDict.export(c.model());
        Map<String, jbert.engine.io.HostTensor> loaded = jbert.engine.io.StateDict.export(back.model());
        for (String k : saved.keySet()) assertEquals(saved.get(k), loaded.get(k), k + " bit-identical after save and load");
        assertArrayEquals(logits(c.model()), logits(back.model()));
        assertEquals(c.tokenizer().encode("the market is up").ids().length,
                back.tokenizer().encode("the market is up").ids().length);

        // Saving again replaces the folder whole: nothing stale, no temp siblings.
        HfFolder.saveClassifier(out, back.model(), back.tokenizer());
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of("model"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void headOfAnotherSizeIsAShapeError() {
        // tiny-bert's head is [3, 32]; two labels want [2, 32]. HF refuses this too (unless ignore_mismatched_sizes).
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> HfFolder.loadClassifier(TestData.tinyBert(), Map.of(0, "neg", 1, "pos"), Backends.cpu(), 1));
        assertTrue(e.getMessage().contains("tensor classifier.weight: shape [3, 32] in the file, but classifier.weight in "
                + "BertForSequenceClassification is [2, 32]"), e.getMessage());
    }
}
