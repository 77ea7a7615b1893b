package jbert.trainer.train;

import jbert.engine.Backends;
import jbert.engine.Tensor;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.io.ConfigJson;
import jbert.engine.io.Safetensors;
import jbert.engine.io.StateDict;
import jbert.engine.io.TensorSource;
import jbert.tokenizer.BertTokenizer;
import jbert.tokenizer.EncodeOptions;
import jbert.trainer.TestData;
import jbert.trainer.UserError;
import jbert.trainer.data.Encoded;
import jbert.trainer.data.LabelSet;
import jbert.trainer.report.Progress;
import jbert.trainer.report.RunMetrics;
import jbert.trainer.report.StepLog;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop on tiny-bert (2 layers, H 32) with 64 synthetic examples: fast enough for every build. */
class TrainerTest {
    static Path model;
    static BertTokenizer tokenizer;
    static List<Encoded> train, eval;

    @TempDir Path tmp;

    @BeforeAll
    static void data() {
        model = TestData.tinyBert();
        tokenizer = BertTokenizer.load(model);
        train = encode(TestData.sentiment(64, 1));
        eval = encode(TestData.sentiment(30, 2));
    }

    static List<Encoded> encode(List<String[]> rows) {
        List<Encoded> out = new ArrayList<>();
        for (String[] r : rows) out.add(new Encoded(tokenizer.encode(r[0], EncodeOptions.truncateTo(64)).ids(), Integer.parseInt(r[1])));
        return out;
    }

    static BertForSequenceClassification tinyModel(long seed) {
        return tinyModel(seed, Backends.cpu());
    }

    static BertForSequenceClassification tinyModel(long seed, jbert.engine.Backend backend) {
        BertConfig c = ConfigJson.read(model.resolve("config.json"));
        c.id2label = LabelSet.TWITTER_FINANCIAL_NEWS.id2label();
        BertForSequenceClassification m = new BertForSequenceClassification(c, backend, seed);
        try (TensorSource s = Safetensors.open(model)) { StateDict.load(m, s); }
        return m;
    }

    static TrainConfig config() {
        // A randomly initialised 2-layer H=32 model needs larger and more steps than BERT-base before
        // it breaks symmetry: lr 5e-3, batch 4, 6 epochs (96 steps, under a second).
        return TrainConfig.defaults().withLr(5e-3).withBatchSize(4).withEpochs(6).withSaveSteps(5).withWarmupRatio(0.1);
    }

    TrainingRun run(Path dir, BertForSequenceClassification m, ByteArrayOutputStream log) {
        LabelSet labels = LabelSet.TWITTER_FINANCIAL_NEWS;
        RunDescription description = new RunDescription("cpu", 1, "tiny-bert", 64, 1, false, 0.1,
                new RunDescription.Data("train", "eval", train.size(), train.size(), eval.size(), eval.size(), 42, labels.names(), 0));
        return new TrainingRun(m,
                new TrainingRun.Examples(train, eval, labels, 0, 1),
                new TrainingRun.Folder(dir, 0, false, d -> Safetensors.write(d.resolve("model.safetensors"), StateDict.export(m))),
                new TrainingRun.Display(new PrintStream(log, true, StandardCharsets.UTF_8), Progress.Mode.lines, 8),
                new StopSignal(), null, null, description);
    }

    @Test
    void lossFallsAndAccuracyRises() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer t = new Trainer(config(), run(tmp.resolve("run"), tinyModel(42), log));
        assertEquals(Trainer.Outcome.COMPLETED, t.run(null));
        RunMetrics m = t.metrics();
        assertEquals(96, m.steps.size()); // 6 epochs of 64/4
        double first = m.steps.subList(0, 16).stream().mapToDouble(StepLog::loss).average().orElseThrow();
        double last = m.steps.subList(80, 96).stream().mapToDouble(StepLog::loss).average().orElseThrow();
        assertTrue(last < 0.8 * first, "mean loss of epoch 1 " + first + ", of epoch 6 " + last);
        assertEquals(List.of("base", "epoch 1", "epoch 2", "epoch 3", "epoch 4", "epoch 5", "epoch 6"),
                m.evals.stream().map(e -> e.name()).toList());
        assertTrue(m.last().accuracy() > m.base().accuracy() + 0.2, "base " + m.base().accuracy() + " final " + m.last().accuracy());
        // The schedule: warmup over ceil(0.1 * 96) = 10 steps, then linear decay to 0.
        assertEquals(0.0, m.steps.get(0).lr());
        assertEquals(5e-4, m.steps.get(1).lr(), 1e-15);
        assertEquals(5e-3, m.steps.get(10).lr(), 1e-15);
        assertEquals(5e-3 / 86, m.steps.get(95).lr(), 1e-15);
        for (StepLog s : m.steps) assertTrue(s.gradNorm() > 0 && s.examplesPerSecond() > 0, s.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("run/metrics.json")));
        assertTrue(Files.isRegularFile(tmp.resolve("run/report.md")));
        assertTrue(Files.isRegularFile(tmp.resolve("run/model.safetensors")));
        // checkpoints every 5 steps and at each epoch end (16, 32, ...)
        List<Integer> steps = Checkpoints.list(tmp.resolve("run")).stream().map(Checkpoints::step).toList();
        List<Integer> expected = java.util.stream.IntStream.rangeClosed(1, 96).filter(i -> i % 5 == 0 || i % 16 == 0).boxed().toList();
        assertEquals(expected, steps);
        String out = log.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("step 8/96  epoch 1/6  loss"), out);
        assertTrue(out.contains("base model: accuracy"), out);
    }

    /**
     * The trainer's part of the resume promise: it restores every piece of state, so the resumed run
     * takes the very same steps. Run on the default fast kernels and on the scalar reference ones. The
     * fast kernels give the same bits whether the JIT has compiled them yet or not (their lane math is
     * IEEE-exact, {@code VectorMath}; FastKernelsTest checks them against a -Xint JVM), so the three
     * runs here agree though the JIT compiles the kernels while they run. KilledResumeTest makes the
     * same check across killed processes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fast", "reference"})
    void resumeAfterAnInterruptionGivesBitwiseTheSameWeights(String kernels) throws IOException {
        var cpu = kernels.equals("fast") ? Backends.cpu() : jbert.engine.cpu.CpuBackend.reference();
        // The baseline: one uninterrupted run.
        BertForSequenceClassification a = tinyModel(42, cpu);
        Trainer ta = new Trainer(config(), run(tmp.resolve("a"), a, new ByteArrayOutputStream()));
        assertEquals(Trainer.Outcome.COMPLETED, ta.run(null));

        // The same run, stopped mid-epoch 3 (step 37 of 96: batch 5 of 16), as Ctrl-C stops it.
        Path dir = tmp.resolve("b");
        TrainingRun first = run(dir, tinyModel(42, cpu), new ByteArrayOutputStream()).withStopAfterSteps(37);
        assertEquals(Trainer.Outcome.INTERRUPTED, new Trainer(config(), first).run(null));
        assertTrue(Files.isDirectory(dir.resolve("checkpoint-37")));
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
        // Make it a hard kill instead: the last checkpoint never got written, and a cut write left a
        // temp folder behind. The latest complete checkpoint, 35, is mid-epoch too (batch 3 of 16).
        Checkpoints.deleteTree(dir.resolve("checkpoint-37"));
        Files.createDirectories(dir.resolve(".checkpoint-40.tmp-999"));
        Files.writeString(dir.resolve(".checkpoint-40.tmp-999/model.safetensors"), "cut short");
        Path latest = Checkpoints.latest(dir);
        assertEquals(dir.resolve("checkpoint-35"), latest);

        // A fresh process: a new model, as the command builds it (same --seed; resume refuses another).
        BertForSequenceClassification b = tinyModel(42, cpu);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer tb = new Trainer(config().withSeed(42), run(dir, b, log));
        assertEquals(Trainer.Outcome.COMPLETED, tb.run(latest));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("resuming from"), log.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(dir.resolve(".checkpoint-40.tmp-999")));

        Map<String, Tensor> pa = a.namedParameters(), pb = b.namedParameters();
        // The logged history is whole and identical too: every step's loss, bit for bit.
        List<StepLog> sa = ta.metrics().steps, sb = tb.metrics().steps;
        assertEquals(sa.size(), sb.size());
        for (int i = 0; i < sa.size(); i++) {
            assertEquals(sa.get(i).loss(), sb.get(i).loss(), 0.0, "loss of step " + (i + 1));
            assertEquals(sa.get(i).gradNorm(), sb.get(i).gradNorm(), 0.0, "grad norm of step " + (i + 1));
        }
        assertEquals(ta.metrics().last().accuracy(), tb.metrics().last().accuracy());
        for (String name : pa.keySet()) {
            assertArrayEquals(pa.get(name).toArray(), pb.get(name).toArray(), "parameter " + name + " differs after resume");
        }
        byte[] wa = Files.readAllBytes(tmp.resolve("a/model.safetensors")), wb = Files.readAllBytes(dir.resolve("model.safetensors"));
        assertArrayEquals(wa, wb, "saved final models differ");
    }

    @Test
    void maxStepsEndsMidEpochWithAFinalEvaluation() {
        TrainConfig c = new TrainConfig(6, 4, 32, 5e-3, 0.9, 0.999, 1e-8, 0.01, 0, 1.0, 42, 10, 0);
        Trainer t = new Trainer(c, run(tmp.resolve("m"), tinyModel(42), new ByteArrayOutputStream()));
        assertEquals(Trainer.Outcome.COMPLETED, t.run(null));
        assertEquals(10, t.metrics().steps.size());
        assertEquals(List.of("base", "step 10"), t.metrics().evals.stream().map(e -> e.name()).toList());
        assertEquals(10 / 16.0, t.metrics().last().epoch(), 1e-12);
        // The schedule decays to 0 over the 10 steps, not over 6 epochs.
        assertEquals(5e-3 / 10, t.metrics().steps.get(9).lr(), 1e-15);
        assertEquals(List.of(10), Checkpoints.list(tmp.resolve("m")).stream().map(Checkpoints::step).toList());
    }

    @Test
    void resumeRefusesOtherSettings() {
        Path dir = tmp.resolve("c");
        TrainingRun first = run(dir, tinyModel(42), new ByteArrayOutputStream()).withStopAfterSteps(3);
        assertEquals(Trainer.Outcome.INTERRUPTED, new Trainer(config(), first).run(null));
        Path latest = Checkpoints.latest(dir);
        UserError e = assertThrows(UserError.class,
                () -> new Trainer(config().withLr(2e-3), run(dir, tinyModel(42), new ByteArrayOutputStream())).run(latest));
        assertTrue(e.getMessage().contains("--lr was 0.005, now 0.002"), e.getMessage());
    }

    @Test
    void nanLossStopsNamingTheStepAndKeepsACheckpoint() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path dir = tmp.resolve("nan");
        // An absurd learning rate drives the weights to infinity within a few steps.
        Trainer t = new Trainer(config().withLr(1e38).withWarmupRatio(0), run(dir, tinyModel(42), log));
        assertEquals(Trainer.Outcome.DIVERGED, t.run(null));
        String out = log.toString(StandardCharsets.UTF_8);
        assertTrue(out.matches("(?s).*jbert: (loss|gradient norm) is (NaN|Infinity) at step \\d+ \\(epoch 1, batch \\d+ of 16\\).*"), out);
        TrainerState s = t.state();
        assertNotNull(Checkpoints.latest(dir));
        assertEquals(s.globalStep, Checkpoints.step(Checkpoints.latest(dir)));
        assertTrue(t.metrics().result.get("diverged").toString().contains("at step " + (s.globalStep + 1)));
    }

    @Test
    void unwritableOutputIsAClearError() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        UserError e = assertThrows(UserError.class,
                () -> new Trainer(config(), run(file.resolve("run"), tinyModel(42), new ByteArrayOutputStream())).run(null));
        assertTrue(e.getMessage().startsWith("--output " + file.resolve("run") + ": cannot write there"), e.getMessage());
    }

    @Test
    void aFailedCheckpointWriteLeavesEarlierOnesIntact() throws IOException {
        Path dir = tmp.resolve("d");
        TrainingRun first = run(dir, tinyModel(42), new ByteArrayOutputStream()).withStopAfterSteps(5);
        assertEquals(Trainer.Outcome.INTERRUPTED, new Trainer(config(), first).run(null));
        byte[] before = Files.readAllBytes(dir.resolve("checkpoint-5/model.safetensors"));
        // The next write fails: a file stands where its temp folder's parent should be.
        TrainerState s = Checkpoints.readState(dir.resolve("checkpoint-5"));
        s.globalStep = 6;
        BertForSequenceClassification m = tinyModel(42);
        var opt = new jbert.engine.optim.AdamW(m.namedParameters(), 1e-3, 0.9, 0.999, 1e-8, 0, jbert.engine.optim.AdamW::isNoDecay);
        Path notADir = Files.writeString(tmp.resolve("plain-file"), "x");
        CheckpointWriteException e = assertThrows(CheckpointWriteException.class,
                () -> Checkpoints.write(notADir, m.namedParameters(), opt, s, null));
        assertTrue(e.getMessage().contains("checkpoint-6") && e.getMessage().contains("earlier checkpoints are intact"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("checkpoint-5/model.safetensors")));
        assertEquals(List.of(5), Checkpoints.list(dir).stream().map(Checkpoints::step).toList());
    }

    @Test
    void paddingBatchesToAMultipleChangesNoLogit() {
        BertForSequenceClassification m = tinyModel(3);
        m.train(false);
        List<Encoded> items = train.subList(0, 5);
        jbert.engine.bert.Batch longest = jbert.trainer.data.Batches.collate(items, 0, false);
        jbert.engine.bert.Batch padded = jbert.trainer.data.Batches.collate(items, 0, false, 16);
        assertEquals(0, padded.T() % 16);
        assertTrue(padded.T() > longest.T(), "the test needs a batch whose longest row is not a multiple of 16: " + longest.T());
        try (jbert.engine.Scope s = jbert.engine.Scope.open()) {
            float[] a = m.logits(longest).toArray(), b = m.logits(padded).toArray();
            // padded keys get the mask's float32 minimum: exp gives exactly 0; what differs is summation grouping
            org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, 1e-5f);
        }
    }

    /**
     * What CUDA graphs rely on ({@code --cuda-graphs}): every training step of one batch shape, after the
     * first, makes the same backend calls with the same sizes (only scalars, dropout seeds and the
     * batch's contents differ). Checked on the CPU through a backend that writes each step's calls down.
     */
    @Test
    void stepsOfOneShapeMakeTheSameBackendCalls() {
        jbert.engine.Backend cpu = Backends.cpu();
        java.util.Map<String, List<List<String>>> steps = new java.util.LinkedHashMap<>();
        List<String>[] current = new List[1];
        jbert.engine.Backend recording = (jbert.engine.Backend) java.lang.reflect.Proxy.newProxyInstance(
                jbert.engine.Backend.class.getClassLoader(), new Class<?>[]{jbert.engine.Backend.class}, (proxy, method, args) -> {
                    if (method.getName().equals("trainingStep")) {
                        List<String> calls = new java.util.ArrayList<>();
                        steps.computeIfAbsent(args[0].toString(), k -> new java.util.ArrayList<>()).add(calls);
                        current[0] = calls;
                        try {
                            return ((java.util.function.Supplier<?>) args[1]).get();
                        } finally {
                            current[0] = null;
                        }
                    }
                    if (current[0] != null && method.getDeclaringClass() == jbert.engine.Backend.class) {
                        StringBuilder call = new StringBuilder(method.getName());
                        for (int a = 0; args != null && a < args.length; a++) {
                            Object v = args[a];
                            boolean seed = method.getName().startsWith("dropout") && a == args.length - 1;
                            if (v instanceof Integer || v instanceof Boolean || (v instanceof Long && !seed)) call.append(' ').append(v);
                            else if (v instanceof int[] ints) call.append(" ints[").append(ints.length).append(']');
                            else if (v instanceof Object[] list) call.append(" list[").append(list.length).append(']');
                        }
                        current[0].add(call.toString());
                    }
                    try {
                        return method.invoke(cpu, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        TrainingRun r = run(tmp.resolve("shapes"), tinyModel(42, recording), new ByteArrayOutputStream()).withPadToMultipleOf(8);
        assertEquals(Trainer.Outcome.COMPLETED, new Trainer(config().withEpochs(2), r).run(null));
        int compared = 0;
        for (var e : steps.entrySet()) {
            List<List<String>> calls = e.getValue();
            for (int k = 2; k < calls.size(); k++) {
                assertEquals(calls.get(1), calls.get(k), "step " + k + " of shape " + e.getKey() + " against its second");
                compared++;
            }
        }
        assertTrue(compared >= 16, "shapes repeat when padded to a multiple of 8: " + steps.keySet() + ", " + compared + " steps compared");
    }
}
