package jbert.kernels;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds the fake native libraries of the tests that need no GPU ({@code src/test/native}): gcc, or {@code $CC}. */
public final class Gcc {
    private Gcc() {}

    public static void run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(System.getenv().getOrDefault("CC", "gcc")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, p.exitValue(), "gcc is needed to build the test's fake library: " + cmd + "\n" + out);
    }
}
