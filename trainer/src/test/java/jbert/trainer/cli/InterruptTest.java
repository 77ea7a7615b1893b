package jbert.trainer.cli;

import jbert.trainer.Main;
import jbert.trainer.TestData;
import jbert.trainer.train.Checkpoints;
import jbert.trainer.train.TrainerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real Ctrl-C: SIGINT sent to a training process, then --resume finishing the run. */
class InterruptTest {
    @TempDir Path tmp;

    @Test
    void sigintSavesACheckpointAndResumeFinishes() throws Exception {
        Path model = TestData.tinyBert();
        Path data = TestData.twitterLikeFolder(tmp.resolve("data"), 64, 12);
        Path run = tmp.resolve("run");
        Path log = tmp.resolve("log.txt");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> args = List.of("train", "--model", model.toString(), "--data", data.toString(), "--train-size", "64",
                "--eval-size", "12", "--epochs", "4", "--batch-size", "4", "--lr", "5e-3", "--save-steps", "1",
                "--save-total-limit", "3", "--output", run.toString(), "--device", "cpu", "--progress", "lines",
                "--logging-steps", "1", "--no-charts");
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.isDirectory(run.resolve("checkpoint-3")) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(p.isAlive(), "the run ended before it could be interrupted:\n" + Files.readString(log));
            assertTrue(Files.isDirectory(run.resolve("checkpoint-3")), "no checkpoint-3 in time:\n" + Files.readString(log));
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "no exit after SIGINT:\n" + Files.readString(log));
        } finally {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertEquals(Main.EXIT_INTERRUPTED, p.exitValue(), out);
        assertTrue(out.contains("stopped (interrupted (SIGINT)) after step"), out);

        // Whatever moment the signal hit, the newest checkpoint is complete and matches the log.
        Path latest = Checkpoints.latest(run);
        assertNotNull(latest);
        TrainerState s = Checkpoints.readState(latest);
        assertEquals(Checkpoints.step(latest), s.globalStep);
        assertEquals(s.globalStep, s.metrics.steps.size());
        try (Stream<Path> files = Files.list(run)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(".checkpoint-")), "a temp folder was left behind");
        }

        List<String> resume = new java.util.ArrayList<>(args);
        resume.add("--resume");
        resume.set(resume.indexOf("lines"), "none");
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(resume.toArray(new String[0]), new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        assertEquals(0, code, o + e.toString());
        assertTrue(o.toString(StandardCharsets.UTF_8).contains("resuming from " + latest + ": step " + s.globalStep + " of 64"), o.toString());
        assertTrue(Files.isRegularFile(run.resolve("model.safetensors")));
    }
}
