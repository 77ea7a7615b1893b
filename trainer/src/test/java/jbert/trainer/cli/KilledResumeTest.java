package jbert.trainer.cli;

import jbert.engine.io.HostTensor;
import jbert.engine.io.Safetensors;
import jbert.engine.io.TensorSource;
import jbert.trainer.Main;
import jbert.trainer.TestData;
import jbert.trainer.report.EvalLog;
import jbert.trainer.report.Json;
import jbert.trainer.report.RunMetrics;
import jbert.trainer.report.StepLog;
import jbert.trainer.train.Checkpoints;
import jbert.trainer.train.TrainerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resume promise as a user meets it: {@code jbert train} on the default (fast, Vector API) CPU
 * kernels, killed with SIGKILL and continued with {@code --resume} until it finishes, ends bit for bit
 * where the same run left alone ends: every tensor saved (the final model, the last checkpoint's
 * weights and AdamW moments) and every loss logged. Each run is a process of its own, a child JVM on
 * this test's class path, as {@code ./jbert train} starts one; so each resumed process runs its first
 * steps interpreted while the run left alone has long since compiled its kernels.
 *
 * <p>The killed run (3 epochs of 16 steps, a checkpoint every 4 steps) is killed three times:
 * <ol>
 *   <li>mid-checkpoint: the hidden {@code --pause-in-checkpoint 8} ({@code CheckpointPause}) stops the
 *       process inside the write of checkpoint-8, its weights written and its optimizer state not, and
 *       says so; the kill then lands there for certain. Killing when the hidden temp folder shows up
 *       would be a race the test mostly loses: tiny-bert's checkpoint is written in about a millisecond.</li>
 *   <li>mid-step: once the log shows step 13 done, wherever the process then is (step 14 or 15 most
 *       likely; the next checkpoint is at 16). No hook: this is the arbitrary moment of a real crash.</li>
 *   <li>mid-checkpoint again, in the next epoch-end checkpoint, written after that epoch's evaluation.</li>
 * </ol>
 */
class KilledResumeTest {
    @TempDir Path tmp;

    static final int TOTAL_STEPS = 48, STEPS_PER_EPOCH = 16;
    /** SIGKILL's exit status as Java reports it: 128 + 9. */
    static final int KILLED = 137;

    @Test
    void aKilledRunResumedEqualsTheUninterruptedOneBitForBit() throws Exception {
        Path data = TestData.twitterLikeFolder(tmp.resolve("data"), 64, 12);
        Path alone = tmp.resolve("alone"), killed = tmp.resolve("killed");

        Process a = start(args(data, alone), tmp.resolve("alone.log"));
        assertEquals(0, waitForExit(a, tmp.resolve("alone.log")), Files.readString(tmp.resolve("alone.log")));

        // 1. Killed inside the write of checkpoint-8: its half is left in the hidden temp folder.
        Path log1 = tmp.resolve("killed-1.log");
        Process p1 = start(with(args(data, killed), "--pause-in-checkpoint", "8"), log1);
        killWhen(p1, log1, out -> out.contains("test hook: checkpoint-8 is half written"));
        Path half = killed.resolve(".checkpoint-8.tmp-" + p1.pid());
        assertTrue(Files.isRegularFile(half.resolve(Checkpoints.WEIGHTS)), "no half-written checkpoint in " + half);
        assertFalse(Files.exists(half.resolve(Checkpoints.OPTIMIZER)), half + " is not half written");
        assertEquals(killed.resolve("checkpoint-4"), Checkpoints.latest(killed));

        // 2. Resumed from checkpoint-4, killed mid-step after step 13.
        Path log2 = tmp.resolve("killed-2.log");
        Process p2 = start(with(args(data, killed), "--resume"), log2);
        killWhen(p2, log2, out -> out.contains("step 13/" + TOTAL_STEPS + " "));
        assertTrue(Files.readString(log2).contains("resuming from " + killed.resolve("checkpoint-4") + ": step 4 of " + TOTAL_STEPS),
                Files.readString(log2));

        // 3. Resumed from wherever that left it, killed inside the next epoch-end checkpoint.
        int from = Checkpoints.step(Checkpoints.latest(killed));
        int epochEnd = (from / STEPS_PER_EPOCH + 1) * STEPS_PER_EPOCH;
        assertTrue(epochEnd <= TOTAL_STEPS, "the mid-step kill came only after step " + from);
        Path log3 = tmp.resolve("killed-3.log");
        Process p3 = start(with(args(data, killed), "--resume", "--pause-in-checkpoint", Integer.toString(epochEnd)), log3);
        killWhen(p3, log3, out -> out.contains("test hook: checkpoint-" + epochEnd + " is half written"));
        assertTrue(Files.readString(log3).contains("resuming from " + killed.resolve("checkpoint-" + from)), Files.readString(log3));

        // 4. Resumed to the end.
        Path log4 = tmp.resolve("killed-4.log");
        Process p4 = start(with(args(data, killed), "--resume"), log4);
        assertEquals(0, waitForExit(p4, log4), Files.readString(log4));
        try (Stream<Path> files = Files.list(killed)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(".checkpoint-")), "a temp folder was left behind");
        }

        assertSameTensors(alone.resolve("model.safetensors"), killed.resolve("model.safetensors"));
        Path lastA = Checkpoints.latest(alone), lastK = Checkpoints.latest(killed);
        assertEquals(Checkpoints.dir(alone, TOTAL_STEPS), lastA);
        assertEquals(Checkpoints.dir(killed, TOTAL_STEPS), lastK);
        assertSameTensors(lastA.resolve(Checkpoints.WEIGHTS), lastK.resolve(Checkpoints.WEIGHTS));
        assertSameTensors(lastA.resolve(Checkpoints.OPTIMIZER), lastK.resolve(Checkpoints.OPTIMIZER));
        TrainerState sa = Checkpoints.readState(lastA), sk = Checkpoints.readState(lastK);
        assertEquals(sa.optimizerStep, sk.optimizerStep);
        assertEquals(sa.dropoutCounter, sk.dropoutCounter);
        assertSameHistory(alone.resolve("metrics.json"), killed.resolve("metrics.json"));
    }

    /** The run's flags: tiny-bert with dropout and weight decay on, a checkpoint every 4 steps, a line per step. */
    static List<String> args(Path data, Path output) {
        return List.of("train", "--model", TestData.tinyBert().toString(), "--data", data.toString(),
                "--train-size", "64", "--eval-size", "12", "--epochs", "3", "--batch-size", "4", "--lr", "5e-3",
                "--warmup-ratio", "0.1", "--weight-decay", "0.01", "--save-steps", "4", "--save-total-limit", "2",
                "--device", "cpu", "--threads", "2", "--progress", "lines", "--logging-steps", "1", "--no-charts",
                "--output", output.toString());
    }

    static List<String> with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    /** {@code jbert train} in a child JVM of this one's Java, class path and Vector API flag, output to {@code log}. */
    static Process start(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static int waitForExit(Process p, Path log) throws Exception {
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "no exit within 60 s:\n" + Files.readString(log));
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }

    /** SIGKILLs {@code p} as soon as its output satisfies {@code ready}; fails if it ends or stalls first. */
    static void killWhen(Process p, Path log, Predicate<String> ready) throws Exception {
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!ready.test(Files.readString(log)) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(2);
            assertTrue(p.isAlive(), "the run ended before it could be killed:\n" + Files.readString(log));
            assertTrue(ready.test(Files.readString(log)), "not at the moment to kill within 60 s:\n" + Files.readString(log));
        } finally {
            p.destroyForcibly();
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "no exit after SIGKILL");
        assertEquals(KILLED, p.exitValue(), "not killed by SIGKILL:\n" + Files.readString(log));
    }

    /** The same tensor names, shapes and float bits in two safetensors files. */
    static void assertSameTensors(Path expected, Path actual) {
        try (TensorSource a = Safetensors.open(expected); TensorSource b = Safetensors.open(actual)) {
            assertEquals(a.names(), b.names(), actual + ": other tensors than " + expected);
            for (String name : a.names()) {
                HostTensor x = a.read(name), y = b.read(name);
                assertArrayEquals(x.shape(), y.shape(), actual + ": shape of " + name);
                assertArrayEquals(bits(x.data()), bits(y.data()), actual + ": " + name + " differs from " + expected);
            }
        }
    }

    static int[] bits(float[] a) {
        int[] w = new int[a.length];
        for (int i = 0; i < a.length; i++) w[i] = Float.floatToRawIntBits(a[i]);
        return w;
    }

    /** Every step's loss, learning rate and gradient norm, and every evaluation, bitwise the same in two metrics.json. */
    static void assertSameHistory(Path expected, Path actual) throws IOException {
        RunMetrics a = Json.MAPPER.readValue(expected.toFile(), RunMetrics.class), b = Json.MAPPER.readValue(actual.toFile(), RunMetrics.class);
        assertEquals(TOTAL_STEPS, a.steps.size());
        assertEquals(a.steps.size(), b.steps.size(), actual + ": steps logged");
        for (int i = 0; i < a.steps.size(); i++) {
            StepLog x = a.steps.get(i), y = b.steps.get(i);
            assertEquals(x.step(), y.step());
            assertEquals(Double.doubleToRawLongBits(x.loss()), Double.doubleToRawLongBits(y.loss()), "loss of step " + x.step());
            assertEquals(Double.doubleToRawLongBits(x.lr()), Double.doubleToRawLongBits(y.lr()), "lr of step " + x.step());
            assertEquals(Double.doubleToRawLongBits(x.gradNorm()), Double.doubleToRawLongBits(y.gradNorm()), "grad norm of step " + x.step());
        }
        assertEquals(a.evals.size(), b.evals.size(), actual + ": evaluations logged");
        for (int i = 0; i < a.evals.size(); i++) {
            EvalLog x = a.evals.get(i), y = b.evals.get(i);
            assertEquals(x.name(), y.name());
            assertEquals(Double.doubleToRawLongBits(x.loss()), Double.doubleToRawLongBits(y.loss()), "eval loss of " + x.name());
            assertEquals(x.accuracy(), y.accuracy(), "accuracy of " + x.name());
        }
    }
}
