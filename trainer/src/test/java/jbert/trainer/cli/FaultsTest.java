package jbert.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jbert.trainer.Main;
import jbert.trainer.TestData;
import jbert.trainer.cli.CommandLineTest.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static jbert.trainer.cli.CommandLineTest.jbert;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults while a run writes its files, and checkpoints damaged before {@code --resume}: a full disk while
 * writing a checkpoint and while writing the final model, a run folder that stops being writable mid-run,
 * a checkpoint cut short or with a flipped byte. Each ends in one line and exit 2, leaves every earlier
 * checkpoint byte for byte as it was and no half-written file, and the run then continues with
 * {@code --resume}.
 *
 * <p>Every test starts from a copy of one run stopped after step 4 of 8 ({@code checkpoint-2},
 * {@code checkpoint-4}).
 */
class FaultsTest {
    @TempDir static Path shared;
    @TempDir Path tmp;
    static Path model, data, stoppedRun;

    @BeforeAll
    static void fixtures() throws IOException {
        model = TestData.tinyBert();
        data = TestData.twitterLikeFolder(shared.resolve("data"), 32, 12);
        stoppedRun = shared.resolve("stopped");
        Result r = jbert(train(stoppedRun, "--stop-after-steps", "4"));
        assertEquals(Main.EXIT_INTERRUPTED, r.code(), r.out() + r.err());
        assertEquals(List.of("checkpoint-2", "checkpoint-4"), checkpointNames(stoppedRun));
    }

    /** {@code jbert train}: 32 examples, 8 steps of 4, a checkpoint every 2 steps, all kept; then {@code extra}. */
    private static String[] train(Path run, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--model", model.toString(), "--data", data.toString(),
                "--train-size", "32", "--eval-size", "12", "--max-length", "64", "--epochs", "1", "--batch-size", "4", "--lr", "5e-3",
                "--save-steps", "2", "--save-total-limit", "0", "--output", run.toString(), "--device", "cpu", "--no-charts"));
        args.addAll(List.of(extra));
        if (!args.contains("--progress")) args.addAll(List.of("--progress", "none"));
        return args.toArray(new String[0]);
    }

    @Test
    void diskFullWhileWritingACheckpoint() throws IOException {
        Path run = copyOfStoppedRun();
        Map<String, byte[]> before = checkpointFiles(run);
        Result r;
        try (FullDisk disk = new FullDisk(run, f -> f.toString().contains("checkpoint-6"), 4096)) {
            r = jbert(train(run, "--resume"));
            assertNotNull(disk.filledBy(), "the disk never filled");
        }
        assertEquals("jbert: cannot write " + run.resolve("checkpoint-6") + " (java.io.IOException: No space left on device); "
                + "earlier checkpoints are intact", oneLineError(r));
        assertSameFiles(before, checkpointFiles(run));
        assertNoTempFiles(run);

        Result resumed = jbert(train(run, "--resume"));
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("resuming from " + run.resolve("checkpoint-4") + ": step 4 of 8"), resumed.out());
    }

    @Test
    void diskFullWhileWritingTheFinalModel() throws IOException {
        Path run = copyOfStoppedRun();
        Map<String, byte[]> before = checkpointFiles(run);
        Result r;
        try (FullDisk disk = new FullDisk(run, f -> f.getFileName().toString().equals("model.safetensors")
                && !f.toString().contains("checkpoint-"), 4096)) {
            r = jbert(train(run, "--resume"));
            assertNotNull(disk.filledBy(), "the disk never filled");
        }
        String line = oneLineError(r);
        assertTrue(line.startsWith("jbert: cannot write the results into " + run + " (") && line.contains("No space left on device")
                && line.endsWith("); the checkpoints are intact: finish the run with --resume --output " + run), line);
        // checkpoint-6 and -8 were written before the disk filled; 2 and 4 are as they were.
        Map<String, byte[]> after = checkpointFiles(run);
        assertEquals(List.of("checkpoint-2", "checkpoint-4", "checkpoint-6", "checkpoint-8"), checkpointNames(run));
        for (Map.Entry<String, byte[]> e : before.entrySet()) assertArrayEquals(e.getValue(), after.get(e.getKey()), e.getKey());
        for (String f : List.of("model.safetensors", "config.json", "vocab.txt", "tokenizer.json")) {
            assertFalse(Files.exists(run.resolve(f)), f + " of a model that was not completely written");
        }
        assertNoTempFiles(run);

        Result finished = jbert(train(run, "--resume"));
        assertEquals(0, finished.code(), finished.out() + finished.err());
        assertTrue(finished.out().contains("resuming from " + run.resolve("checkpoint-8") + ": step 8 of 8"), finished.out());
        assertTrue(Files.isRegularFile(run.resolve("model.safetensors")));
    }

    /**
     * The run folder is taken away from under the trainer as step 5 is logged, after checkpoint-4 and
     * before checkpoint-6. A user who is not root gets a read-only folder (chmod 555); root writes into
     * one anyway, so for root (as in CI containers) the folder is moved aside and a file put in its place.
     */
    @Test
    void outputFolderBecomesUnwritableMidRun() throws IOException {
        Path run = copyOfStoppedRun(), aside = tmp.resolve("run-aside");
        Map<String, byte[]> before = checkpointFiles(run);
        boolean[] readOnly = new boolean[1];
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        OnText out = new OnText("step 5/", () -> readOnly[0] = takeAway(run, aside));
        int code = Main.run(train(run, "--resume", "--progress", "lines", "--logging-steps", "1"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        giveBack(run, aside, readOnly[0]);

        assertTrue(out.toString(StandardCharsets.UTF_8).contains("step 5/"), out.toString(StandardCharsets.UTF_8));
        assertEquals("jbert: cannot write " + run.resolve("checkpoint-6") + " (the run folder " + run
                + (readOnly[0] ? " is not writable" : " is no longer a folder") + "); earlier checkpoints are intact",
                oneLineError(new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8))));
        assertSameFiles(before, checkpointFiles(run));
        assertNoTempFiles(run);

        Result resumed = jbert(train(run, "--resume"));
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("resuming from " + run.resolve("checkpoint-4")), resumed.out());
    }

    /** Makes {@code run} unwritable; true where chmod did it, false where it was replaced by a file. */
    private static boolean takeAway(Path run, Path aside) {
        try {
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("r-xr-xr-x"));
            try {
                Files.delete(Files.createFile(run.resolve(".probe")));
            } catch (AccessDeniedException e) {
                return true;
            }
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(run, aside);
            Files.writeString(run, "not a folder");
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void giveBack(Path run, Path aside, boolean readOnly) throws IOException {
        if (readOnly) {
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else {
            Files.delete(run);
            Files.move(aside, run);
        }
    }

    /** A damage done to a file of checkpoint-4. */
    private record Damage(String name, String file, Cut cut) {}

    /** Damages {@code file} and returns the start of what the error must say about it (after "FILE: "). */
    @FunctionalInterface
    private interface Cut { String apply(Path file) throws IOException; }

    @Test
    void resumeRefusesADamagedCheckpointNamingTheFileAndTensor() throws IOException {
        List<Damage> damages = List.of(
                new Damage("optimizer file cut in half", "optimizer.safetensors", f -> {
                    byte[] b = Files.readAllBytes(f);
                    Files.write(f, Arrays.copyOf(b, b.length / 2));
                    return "tensor " + tensorAt(b, b.length / 2) + ": data_offsets [";
                }),
                new Damage("a flipped byte in the weights", "model.safetensors", f -> flipByte(f)),
                new Damage("weights missing", "model.safetensors", f -> {
                    Files.delete(f);
                    return "no such file";
                }),
                new Damage("trainer state cut in half", "trainer_state.json", f -> {
                    byte[] b = Files.readAllBytes(f);
                    Files.write(f, Arrays.copyOf(b, b.length / 2));
                    return "unreadable trainer state (";
                }));
        for (Damage d : damages) {
            Path run = copyOfStoppedRun();
            Path broken = run.resolve("checkpoint-4"), file = broken.resolve(d.file());
            Map<String, byte[]> intact = checkpointFiles(run, "checkpoint-2/");
            String expected = d.cut().apply(file);
            String line = oneLineError(jbert(train(run, "--resume", broken.toString())));
            String start = "jbert: checkpoint " + broken + " is broken (" + file + ": " + expected;
            assertTrue(line.startsWith(start), d.name() + ": expected a line starting\n" + start + "\nbut got\n" + line);
            assertTrue(line.endsWith("; the newest intact one is " + run.resolve("checkpoint-2") + ": continue with --resume "
                    + run.resolve("checkpoint-2")), d.name() + ": " + line);
            assertSameFiles(intact, checkpointFiles(run, "checkpoint-2/"));
        }
    }

    @Test
    void resumeFromABrokenLatestCheckpointNamesTheIntactOneToPass() throws IOException {
        Path run = copyOfStoppedRun();
        String why = flipByte(run.resolve("checkpoint-4/model.safetensors"));
        Path intact = run.resolve("checkpoint-2");
        String line = oneLineError(jbert(train(run, "--resume")));
        assertTrue(line.startsWith("jbert: checkpoint " + run.resolve("checkpoint-4") + " is broken ("
                + run.resolve("checkpoint-4/model.safetensors") + ": " + why), line);
        assertTrue(line.endsWith("; the newest intact one is " + intact + ": continue with --resume " + intact), line);

        Result resumed = jbert(train(run, "--resume", intact.toString()));
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("resuming from " + intact + ": step 2 of 8"), resumed.out());

        Path allBroken = copyOfStoppedRun();
        flipByte(allBroken.resolve("checkpoint-4/optimizer.safetensors"));
        flipByte(allBroken.resolve("checkpoint-2/model.safetensors"));
        String none = oneLineError(jbert(train(allBroken, "--resume")));
        assertTrue(none.startsWith("jbert: checkpoint " + allBroken.resolve("checkpoint-4") + " is broken (")
                && none.endsWith("; no older checkpoint of the run is intact"), none);
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** The error line of a run that must have failed as bad input does: exit 2, one line, no stack trace. */
    static String oneLineError(Result r) {
        assertEquals(Main.EXIT_USAGE, r.code(), r.out() + r.err());
        assertFalse(r.err().contains("\tat "), "a stack trace:\n" + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        return r.err().strip();
    }

    private Path copyOfStoppedRun() throws IOException {
        Path run = Files.createTempDirectory(tmp, "run");
        try (Stream<Path> s = Files.walk(stoppedRun)) {
            for (Path p : s.toList()) {
                Path to = run.resolve(stoppedRun.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to);
            }
        }
        return run;
    }

    private static List<String> checkpointNames(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint-")).sorted().toList();
        }
    }

    /** Every file of the run's checkpoints whose path in the run starts with {@code prefix}, by that path. */
    private static Map<String, byte[]> checkpointFiles(Path run, String prefix) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(run)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = run.relativize(p).toString();
                if (rel.startsWith(prefix)) files.put(rel, Files.readAllBytes(p));
            }
        }
        return files;
    }

    private static Map<String, byte[]> checkpointFiles(Path run) throws IOException { return checkpointFiles(run, "checkpoint-"); }

    private static void assertSameFiles(Map<String, byte[]> before, Map<String, byte[]> after) {
        assertEquals(before.keySet(), after.keySet(), "the checkpoints' files");
        for (Map.Entry<String, byte[]> e : before.entrySet()) assertArrayEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " changed");
    }

    private static void assertNoTempFiles(Path run) throws IOException {
        try (Stream<Path> s = Files.walk(run)) {
            List<String> hidden = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") || n.endsWith(".tmp")).toList();
            assertEquals(List.of(), hidden, "files left half written");
        }
    }

    /** Flips a byte three quarters into a safetensors file; returns the start of the error expected for it. */
    private static String flipByte(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int at = b.length * 3 / 4;
        b[at] ^= 0x10;
        Files.write(file, b);
        return "tensor " + tensorAt(b, at) + ": CRC32C ";
    }

    /** The tensor holding byte {@code at} of a safetensors file's bytes, read from its header. */
    private static String tensorAt(byte[] file, long at) throws IOException {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = new ObjectMapper().readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
        long offset = at - 8 - n;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode range = e.getValue().path("data_offsets");
            if (range.size() == 2 && range.get(0).asLong() <= offset && offset < range.get(1).asLong()) return e.getKey();
        }
        throw new AssertionError("byte " + at + " is in no tensor's data");
    }

    /** Output kept in memory that runs {@code action} once, on the thread writing, when {@code text} has gone by. */
    private static final class OnText extends ByteArrayOutputStream {
        private final String text;
        private Runnable action;

        OnText(String text, Runnable action) {
            this.text = text;
            this.action = action;
        }

        @Override public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
            if (action != null && toString(StandardCharsets.UTF_8).contains(text)) {
                Runnable once = action;
                action = null;
                once.run();
            }
        }

        @Override public synchronized void write(int b) { write(new byte[] {(byte) b}, 0, 1); }
    }
}
