package jbert.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jbert.engine.io.Safetensors;
import jbert.engine.io.TensorSource;
import jbert.tokenizer.BertTokenizer;
import jbert.trainer.Main;
import jbert.trainer.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jbert command line, run in-process through {@link Main#run}. */
class CommandLineTest {
    @TempDir static Path shared;
    @TempDir Path tmp;
    static Path model, data;

    /** What a run printed and returned. */
    record Result(int code, String out, String err) {}

    static Result jbert(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void fixtures() throws IOException {
        model = TestData.tinyBert();
        data = TestData.twitterLikeFolder(shared.resolve("data"), 64, 30);
    }

    @Test
    void helpAndVersion() {
        Result h = jbert("--help");
        assertEquals(0, h.code());
        for (String c : List.of("train", "eval", "predict", "tokenize", "encode", "fill-mask", "bench")) assertTrue(h.out().contains(c), h.out());
        Result v = jbert("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("jbert "), v.out());
        Result th = jbert("train", "--help");
        assertEquals(0, th.code());
        assertTrue(th.out().contains("--warmup-ratio") && th.out().contains("--device") && !th.out().contains("--stop-after-steps"), th.out());
    }

    @Test
    void badArgumentsPrintUsageAndExit2() {
        for (String[] args : List.of(
                new String[] {},
                new String[] {"frobnicate"},
                new String[] {"train", "--bogus"},
                new String[] {"train", "--batch-size", "abc"},
                new String[] {"train", "--batch-size", "0"},
                new String[] {"train", "--train-size", "-3"},
                new String[] {"train", "--lr", "-1"},
                new String[] {"train", "--pad-to-multiple-of", "0"},
                new String[] {"train", "--device", "gpu"},
                new String[] {"eval"},
                new String[] {"predict", "--model"})) {
            Result r = jbert(args);
            assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.err());
            assertTrue(r.err().contains("Usage: jbert"), String.join(" ", args) + ": no usage in\n" + r.err());
            assertFalse(r.err().contains("\tat "), "stack trace for " + String.join(" ", args));
        }
    }

    @Test
    void unavailableCudaIsOneLineExit2() {
        boolean gpu = TestData.gpuUnavailable() == null;
        Result r = jbert("predict", "--model", model.toString(), "--device", "cuda", "stock up");
        if (gpu) {
            assertEquals(0, r.code(), r.err());
        } else {
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("jbert: --device cuda: "), r.err());
        }
    }

    @Test
    void malformedCsvNamesFileAndLine() throws IOException {
        Path dir = tmp.resolve("bad");
        TestData.twitterLikeFolder(dir, 20, 10);
        List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve("sent_train.csv")));
        lines.set(4, "\"a broken \"quote\" in a tweet\",1");
        lines.set(7, "a row with no label");
        Files.write(dir.resolve("sent_train.csv"), lines);
        String[] args = {"train", "--model", model.toString(), "--data", dir.toString(), "--device", "cpu",
                "--output", tmp.resolve("run").toString(), "--epochs", "1"};
        Result r = jbert(args);
        assertEquals(2, r.code(), r.err());
        assertEquals("jbert: " + dir.resolve("sent_train.csv") + " line 5: bad quoting (Invalid character between encapsulated token and delimiter)",
                r.err().strip());
        assertFalse(Files.exists(tmp.resolve("run/metrics.json")));

        List<String> skip = new ArrayList<>(List.of(args));
        skip.addAll(List.of("--skip-bad-rows", "--progress", "none", "--no-charts"));
        Result s = jbert(skip.toArray(new String[0]));
        assertEquals(0, s.code(), s.err());
        assertTrue(s.err().contains("skipped 2 bad rows (--skip-bad-rows):"), s.err());
        assertTrue(s.err().contains("sent_train.csv line 5: bad quoting") && s.err().contains("sent_train.csv line 8: missing field"), s.err());
        assertTrue(s.out().contains("train: 18 examples"), s.out());
    }

    @Test
    void trainEvalPredictEndToEnd() throws IOException {
        Path run = tmp.resolve("run");
        Result t = jbert("train", "--model", model.toString(), "--data", data.toString(), "--train-size", "64", "--eval-size", "30",
                "--epochs", "6", "--batch-size", "4", "--lr", "5e-3", "--warmup-ratio", "0.1", "--save-steps", "20",
                "--output", run.toString(), "--device", "cpu", "--progress", "lines", "--logging-steps", "16");
        assertEquals(0, t.code(), t.out() + t.err());
        assertTrue(t.out().contains("step 16/96  epoch 1/6  loss"), t.out());
        assertTrue(t.out().contains("base model: accuracy") && t.out().contains("epoch 6: accuracy"), t.out());
        assertTrue(t.out().matches("(?s).*accuracy: base 0\\.\\d{4} -> fine-tuned [01]\\.\\d{4} .*"), t.out());

        // The run folder: an HF model folder, metrics, report, charts, checkpoints.
        for (String f : List.of("config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "metrics.json", "report.md",
                "loss_lr.png", "accuracy.png", "confusion_matrix.png")) {
            assertTrue(Files.isRegularFile(run.resolve(f)), "missing " + f);
        }
        for (String png : List.of("loss_lr.png", "accuracy.png", "confusion_matrix.png")) assertNotNull(ImageIO.read(run.resolve(png).toFile()), png);
        assertTrue(Files.isDirectory(run.resolve("checkpoint-96")) && Files.isDirectory(run.resolve("checkpoint-80")));
        assertFalse(Files.exists(run.resolve("checkpoint-16")), "--save-total-limit 2 keeps the newest two");
        JsonNode cfg = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("Bullish", cfg.path("id2label").path("1").asText());
        assertEquals("BertForSequenceClassification", cfg.path("architectures").path(0).asText());
        JsonNode m = new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
        assertEquals(96, m.path("steps").size());
        for (String k : List.of("loss", "lr", "grad_norm", "examples_per_second")) assertTrue(m.path("steps").path(0).has(k), k);
        assertEquals(7, m.path("evals").size());
        assertEquals(42, m.path("seed").asInt());
        assertTrue(m.path("versions").has("java") && m.path("config").has("lr") && m.path("result").has("final_accuracy"), m.toString());
        double finalAcc = m.path("result").path("final_accuracy").asDouble();

        // eval on the same 30 validation examples gives the same accuracy as the run's last evaluation.
        Result e = jbert("eval", "--model", run.toString(), "--data", data.toString(), "--limit", "30", "--device", "cpu");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains(String.format(java.util.Locale.ROOT, "accuracy %.4f", finalAcc)), e.out() + " vs " + finalAcc);
        assertTrue(e.out().contains("| **Bearish** |") && e.out().contains("| class | precision | recall | F1 | support |"), e.out());

        Result p = jbert("predict", "--model", run.toString(), "--device", "cpu", "--json", "stock up rally buy", "market down crash");
        assertEquals(0, p.code(), p.err());
        List<String> lines = p.out().strip().lines().toList();
        assertEquals(2, lines.size(), p.out());
        for (String line : lines) {
            JsonNode n = new ObjectMapper().readTree(line);
            assertTrue(List.of("Bearish", "Bullish", "Neutral").contains(n.path("label").asText()), line);
            double sum = 0;
            for (JsonNode v : n.path("probabilities")) sum += v.asDouble();
            assertEquals(1.0, sum, 1e-6, line);
        }
        Result plain = jbert("predict", "--model", run.toString(), "--device", "cpu", "the market");
        assertTrue(plain.out().matches("(?s)(Bearish|Bullish|Neutral) +0\\.\\d{4}  \\[Bearish 0\\.\\d{4}, Bullish 0\\.\\d{4}, Neutral 0\\.\\d{4}\\]  the market\\s*"), plain.out());

        // The finished run folder is not trained into again by accident.
        Result again = jbert("train", "--model", model.toString(), "--data", data.toString(), "--output", run.toString(), "--device", "cpu");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already holds a run"), again.err());
    }

    @Test
    void interruptedRunResumesFromTheCommandLine() {
        Path run = tmp.resolve("r");
        String[] common = {"train", "--model", model.toString(), "--data", data.toString(), "--train-size", "32", "--eval-size", "12",
                "--epochs", "2", "--batch-size", "4", "--lr", "5e-3", "--output", run.toString(), "--device", "cpu",
                "--progress", "none", "--no-charts"};
        List<String> first = new ArrayList<>(List.of(common));
        first.addAll(List.of("--stop-after-steps", "5"));
        Result a = jbert(first.toArray(new String[0]));
        assertEquals(130, a.code(), a.out() + a.err());
        assertTrue(a.out().contains("continue with --resume --output " + run), a.out());
        assertTrue(Files.isDirectory(run.resolve("checkpoint-5")));

        Result noResume = jbert(common);
        assertEquals(2, noResume.code(), noResume.err());

        List<String> resume = new ArrayList<>(List.of(common));
        resume.add("--resume");
        Result b = jbert(resume.toArray(new String[0]));
        assertEquals(0, b.code(), b.out() + b.err());
        assertTrue(b.out().contains("resuming from " + run.resolve("checkpoint-5") + ": step 5 of 16"), b.out());
        assertTrue(Files.isRegularFile(run.resolve("model.safetensors")));

        List<String> other = new ArrayList<>(resume);
        other.set(other.indexOf("5e-3"), "1e-3");
        Result c = jbert(other.toArray(new String[0]));
        assertEquals(2, c.code());
        assertTrue(c.err().contains("--lr was 0.005, now 0.001"), c.err());
    }

    @Test
    void genericJsonlWithNamedLabels() throws IOException {
        String[] names = {"negative", "positive", "neutral"};
        StringBuilder train = new StringBuilder(), eval = new StringBuilder();
        List<String[]> rows = TestData.sentiment(24, 3);
        for (int i = 0; i < rows.size(); i++) {
            String line = "{\"body\": \"" + rows.get(i)[0] + "\", \"mood\": \"" + names[Integer.parseInt(rows.get(i)[1])] + "\"}\n";
            (i < 18 ? train : eval).append(line);
        }
        Path tr = Files.writeString(tmp.resolve("train.jsonl"), train), ev = Files.writeString(tmp.resolve("dev.jsonl"), eval);
        Path run = tmp.resolve("j");
        Result r = jbert("train", "--model", model.toString(), "--train-file", tr.toString(), "--eval-file", ev.toString(),
                "--text-column", "body", "--label-column", "mood", "--epochs", "1", "--output", run.toString(), "--device", "cpu",
                "--progress", "none", "--no-charts");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("labels: negative, neutral, positive"), r.out());
        JsonNode cfg = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("neutral", cfg.path("id2label").path("1").asText());
        assertEquals(2, cfg.path("label2id").path("positive").asInt());

        Files.writeString(ev, eval + "{\"body\": \"stock\", \"mood\": \"furious\"}\n");
        Result bad = jbert("train", "--model", model.toString(), "--train-file", tr.toString(), "--eval-file", ev.toString(),
                "--text-column", "body", "--label-column", "mood", "--epochs", "1", "--output", tmp.resolve("j2").toString(), "--device", "cpu");
        assertEquals(2, bad.code());
        assertEquals("jbert: " + ev + " line 7: unknown label 'furious' (labels: negative, neutral, positive, or ids 0-2)", bad.err().strip());
    }

    @Test
    void tokenizeWritesJsonLinesAtomically() throws IOException {
        Path in = Files.writeString(tmp.resolve("in.txt"), "The market rallied!\nstock down\n\n");
        Path out = tmp.resolve("out.jsonl");
        Result r = jbert("tokenize", "--vocab", model.resolve("vocab.txt").toString(), "--input", in.toString(), "--output", out.toString(), "--tokens");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        BertTokenizer tok = BertTokenizer.load(model.resolve("vocab.txt"));
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        int[] ids = new int[first.path("input_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = first.path("input_ids").get(i).asInt();
        assertArrayEquals(tok.encode("The market rallied!").ids(), ids);
        assertEquals("[CLS]", first.path("tokens").get(0).asText());
        assertEquals("{\"input_ids\":[2,3],\"tokens\":[\"[CLS]\",\"[SEP]\"]}", lines.get(2));

        Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "\"ok\"\n{\"text\": \"fine\"}\n{\"text\": oops}\n");
        Path out2 = tmp.resolve("out2.jsonl");
        Result b = jbert("tokenize", "--vocab", model.resolve("vocab.txt").toString(), "--input", bad.toString(), "--output", out2.toString());
        assertEquals(2, b.code());
        assertTrue(b.err().startsWith("jbert: " + bad + " line 3: invalid JSON"), b.err());
        assertFalse(Files.exists(out2), "nothing half written");
    }

    @Test
    void encodeWritesFeatures() {
        Path in = tmp.resolve("texts.txt");
        try { Files.writeString(in, "stock up\nthe market price target\n"); } catch (IOException e) { throw new RuntimeException(e); }
        Path out = tmp.resolve("features.safetensors");
        Result r = jbert("encode", "--model", model.toString(), "--input", in.toString(), "--output", out.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        try (TensorSource s = Safetensors.open(out)) {
            assertArrayEquals(new int[] {2, 6, 32}, s.shape("last_hidden_state"));
            assertArrayEquals(new int[] {2, 32}, s.shape("pooler_output"));
            assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0}, java.util.Arrays.copyOf(s.read("attention_mask").data(), 6));
        }
    }

    @Test
    void tf32IsOneCommandsSettingNotTheJvms() {
        String before = System.getProperty("jbert.tf32");
        Result r = jbert("predict", "--model", model.toString(), "--device", "cpu", "--tf32", "stock up");
        assertEquals(0, r.code(), r.err());
        assertEquals(before, System.getProperty("jbert.tf32"), "--tf32 must not stay set for later commands in this JVM");
    }

    @Test
    void cudaGraphsAndPaddingToAMultipleOnTheCpu() throws IOException {
        Path run = tmp.resolve("run-padded");
        Result t = jbert("train", "--model", model.toString(), "--data", data.toString(), "--train-size", "16", "--eval-size", "8",
                "--epochs", "1", "--batch-size", "4", "--pad-to-multiple-of", "8", "--cuda-graphs",
                "--output", run.toString(), "--device", "cpu", "--progress", "lines", "--no-charts");
        assertEquals(0, t.code(), t.out() + t.err());
        String metrics = Files.readString(run.resolve("metrics.json"));
        assertTrue(metrics.contains("\"pad_to_multiple_of\" : 8") && metrics.contains("\"cuda_graphs\" : true"), metrics);
        assertEquals(null, System.getProperty("jbert.cuda.graphs"), "--cuda-graphs must not stay set for later commands in this JVM");

        Result far = jbert("train", "--model", model.toString(), "--data", data.toString(), "--train-size", "16", "--eval-size", "8",
                "--max-length", "60", "--pad-to-multiple-of", "100000", "--output", tmp.resolve("run-far").toString(), "--device", "cpu");
        assertEquals(2, far.code(), far.err());
        assertTrue(far.err().strip().lines().count() == 1 && far.err().contains("--pad-to-multiple-of 100000: a batch of"), "out:\n" + far.out() + "\nerr:\n" + far.err());
    }

    /**
     * The context's defaults are what the environment would set (JBERT_THREADS=7 here); --threads applies
     * over them, and metrics.json records the threads the run's backend options asked for.
     */
    @Test
    void threadsComeFromTheContextWithTheFlagOnTop() throws IOException {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user.home", tmp.toString());
        for (String[] threads : List.of(new String[] {}, new String[] {"--threads", "1"})) {
            Path run = tmp.resolve("threads" + threads.length);
            List<String> args = new ArrayList<>(List.of("train", "--model", model.toString(), "--data", data.toString(),
                    "--train-size", "8", "--eval-size", "4", "--epochs", "1", "--output", run.toString(), "--device", "cpu",
                    "--progress", "none", "--no-charts"));
            args.addAll(List.of(threads));
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            Console console = new Console(new java.io.ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args.toArray(new String[0]), CommandContext.of(console, props, java.util.Map.of("JBERT_THREADS", "7")));
            assertEquals(0, code, out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("train: 8 examples"), "the command prints to the console it is given");
            JsonNode m = new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
            assertEquals(threads.length == 0 ? "7" : "1", m.path("versions").path("threads").asText(), String.join(" ", args));
        }
    }

    @Test
    void fillMaskPrintsTopK() {
        Result r = jbert("fill-mask", "--model", model.toString(), "--device", "cpu", "--top-k", "3", "the stock is [MASK] .");
        assertEquals(0, r.code(), r.err());
        assertEquals(3, r.out().strip().lines().count(), r.out());
        assertTrue(r.out().startsWith("1. "), r.out());
        Result none = jbert("fill-mask", "--model", model.toString(), "--device", "cpu", "no mask here");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("has no [MASK]"), none.err());
    }
}
