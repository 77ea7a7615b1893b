package jbert.trainer.cli;

import jbert.trainer.TestData;
import jbert.trainer.cli.CommandLineTest.Result;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static jbert.trainer.cli.CommandLineTest.jbert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input, swept through {@code jbert train}: each case writes its files into a folder of its own and
 * either must work (a byte order mark and CRLF line ends, a newline inside a quoted field) or must end
 * in one line naming the file and line (or the key), exit 2, no stack trace and no run folder.
 */
class BadInputTest {
    @TempDir static Path tmp;

    /**
     * One input: the files it writes into {@code dir} and the arguments that read them, and what must
     * happen: {@code error} is the line expected on stderr (given {@code dir}), or null where the run
     * must work and train on {@code examples} examples.
     */
    private record Case(String name, Input input, Expected error, int examples) {
        static Case works(String name, Input input, int examples) { return new Case(name, input, null, examples); }
        static Case fails(String name, Input input, Expected error) { return new Case(name, input, error, 0); }
    }

    @FunctionalInterface private interface Input { List<String> write(Path dir) throws IOException; }
    @FunctionalInterface private interface Expected { String line(Path dir); }

    @TestFactory
    Stream<DynamicTest> eachBadInputIsOneLineNamingWhereOrWorks() {
        List<Case> cases = List.of(
                Case.works("CSV with a UTF-8 byte order mark and CRLF line ends",
                        dir -> csv(dir, "\uFEFFtext,label\r\n" + String.join("\r\n", rows(12)) + "\r\n"), 12),
                Case.works("CSV with a newline inside a quoted field",
                        dir -> csv(dir, "text,label\n\"stock up\nrally buy\",1\n" + String.join("\n", rows(11)) + "\n"), 12),
                Case.fails("empty CSV", dir -> csv(dir, ""),
                        dir -> "jbert: " + dir.resolve("train.csv") + ": empty file (expected a header row with 'text')"),
                Case.fails("CSV with a header only", dir -> csv(dir, "text,label\n"),
                        dir -> "jbert: " + dir.resolve("train.csv") + " line 1: a header and no rows"),
                Case.fails("CSV with bytes that are not UTF-8", dir -> csvBytes(dir, latin1InLine3()),
                        dir -> "jbert: " + dir.resolve("train.csv") + " line 3: not valid UTF-8"),
                Case.fails("an unknown label", dir -> {
                    List<String> args = csv(dir, "text,label\n" + String.join("\n", rows(12)) + "\n");
                    Files.writeString(dir.resolve("eval.csv"), "text,label\n" + String.join("\n", rows(6).subList(0, 2))
                            + "\n\"stock up\",furious\n" + String.join("\n", rows(6).subList(2, 6)) + "\n");
                    return args;
                }, dir -> "jbert: " + dir.resolve("eval.csv") + " line 4: unknown label 'furious' (labels: LABEL_0, LABEL_1, LABEL_2, or ids 0-2)"),
                Case.works("a 10 MB field, truncated to --max-length",
                        dir -> csv(dir, "text,label\n\"" + "stock up ".repeat((10 << 20) / 9) + "\",1\n" + String.join("\n", rows(11)) + "\n"), 12),
                Case.fails("CSV without the text column", dir -> csv(dir, "tweet,label\n" + String.join("\n", rows(12)) + "\n"),
                        dir -> "jbert: " + dir.resolve("train.csv") + " line 1: the header has no column 'text' "
                                + "(columns: tweet, label; choose one with --text-column)"),
                Case.fails("config.json of a GPT-2", dir -> {
                    Path m = modelCopy(dir);
                    Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json"))
                            .replace("\"model_type\": \"bert\"", "\"model_type\": \"gpt2\""));
                    return withModel(dir, m);
                }, dir -> "jbert: " + dir.resolve("model/config.json") + ": key model_type: 'gpt2' is not a BERT model"),
                Case.fails("tokenizer.json of a BPE model", dir -> {
                    Path m = modelCopy(dir);
                    Files.writeString(m.resolve("tokenizer.json"),
                            "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}");
                    return withModel(dir, m);
                }, dir -> "jbert: " + dir.resolve("model/tokenizer.json") + ": model.type: BPE model: jbert reads WordPiece (BERT) tokenizers only"),
                Case.fails("vocab.txt without [UNK]", dir -> {
                    Path m = modelCopy(dir);
                    List<String> vocab = new ArrayList<>(Files.readAllLines(m.resolve("vocab.txt")));
                    vocab.remove("[UNK]");
                    Files.write(m.resolve("vocab.txt"), vocab);
                    return withModel(dir, m);
                }, dir -> "jbert: " + dir.resolve("model/vocab.txt") + ": the vocabulary has no [UNK] token (127 tokens read)"));

        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Path dir = Files.createTempDirectory(tmp, "case");
            List<String> args = new ArrayList<>(c.input().write(dir));
            args.addAll(List.of("--output", dir.resolve("run").toString(), "--device", "cpu", "--epochs", "1",
                    "--batch-size", "4", "--max-steps", "1", "--progress", "none", "--no-charts"));
            Result r = jbert(args.toArray(new String[0]));
            if (c.error() == null) {
                assertEquals(0, r.code(), c.name() + "\n" + r.out() + r.err());
                assertTrue(r.out().contains("train: " + c.examples() + " examples"), c.name() + "\n" + r.out());
                assertTrue(Files.isRegularFile(dir.resolve("run/model.safetensors")), c.name());
            } else {
                assertEquals(c.error().line(dir), FaultsTest.oneLineError(r), c.name());
                assertFalse(Files.exists(dir.resolve("run")), c.name() + ": a run folder was left behind");
            }
        }));
    }

    /** {@code n} labelled rows (label ids 0-2) in tiny-bert's vocabulary, as CSV lines. */
    private static List<String> rows(int n) {
        List<String> lines = new ArrayList<>();
        for (String[] r : TestData.sentiment(n, 5)) lines.add("\"" + r[0] + "\"," + r[1]);
        return lines;
    }

    /** train.csv with {@code content}, a good eval.csv, and the arguments naming them and tiny-bert. */
    private static List<String> csv(Path dir, String content) throws IOException {
        return csvBytes(dir, content.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> csvBytes(Path dir, byte[] content) throws IOException {
        Files.write(dir.resolve("train.csv"), content);
        Files.writeString(dir.resolve("eval.csv"), "text,label\n" + String.join("\n", rows(6)) + "\n");
        return List.of("train", "--model", TestData.tinyBert().toString(), "--train-file", dir.resolve("train.csv").toString(),
                "--eval-file", dir.resolve("eval.csv").toString());
    }

    /** A CSV whose third line holds "café" in Latin-1: the byte 0xE9 alone is not UTF-8. */
    private static byte[] latin1InLine3() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("text,label\n" + rows(1).get(0) + "\n").getBytes(StandardCharsets.UTF_8));
        b.writeBytes("\"caf\u00e9 stock up\",1\n".getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes((String.join("\n", rows(10)) + "\n").getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    /** A copy of tiny-bert in {@code dir/model}, to break one file of. */
    private static Path modelCopy(Path dir) throws IOException {
        Path m = Files.createDirectories(dir.resolve("model"));
        for (String f : List.of("config.json", "model.safetensors", "vocab.txt")) Files.copy(TestData.tinyBert().resolve(f), m.resolve(f));
        return m;
    }

    /** Good training and evaluation files, and the arguments training {@code model} on them. */
    private static List<String> withModel(Path dir, Path model) throws IOException {
        List<String> args = new ArrayList<>(csv(dir, "text,label\n" + String.join("\n", rows(12)) + "\n"));
        args.set(args.indexOf("--model") + 1, model.toString());
        return args;
    }
}
