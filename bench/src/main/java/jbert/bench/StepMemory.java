package jbert.bench;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Peak resident memory of BERT-base training: a few {@link BertWorkload} training steps and one
 * inference forward at B x T, then the process's high-water mark of resident memory (VmHWM in
 * /proc/self/status), in MB. That is what the peer script prints for PyTorch (ru_maxrss after its
 * steps and forwards), so the two compare directly when each runs in a fresh process.
 * <pre>
 *   java -Xmx... -cp bench/target/benchmarks.jar jbert.bench.StepMemory [--steps N] B T
 * </pre>
 * The JVM's figure depends on its heap limit: the heap grows up to -Xmx before collecting hard, so
 * give it what the step needs (see bench/RESULTS.md), not the machine's memory.
 */
public final class StepMemory {
    private StepMemory() {}

    public static void main(String[] args) throws IOException {
        int steps = 3, B = 8, T = 32, positional = 0;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--steps")) { steps = Integer.parseInt(args[++i]); continue; }
            if (positional == 0) B = Integer.parseInt(args[i]);
            else if (positional == 1) T = Integer.parseInt(args[i]);
            else { System.err.println("usage: StepMemory [--steps N] B T"); System.exit(2); }
            positional++;
        }
        BertWorkload w = new BertWorkload(BenchDefaults.select("cpu"), B, T, 12, 42);
        for (int i = 0; i < steps; i++) w.trainStep();
        w.forward();
        System.out.printf(Locale.ROOT, "jbert %d %d peak_rss_mb %d heap_max_mb %d%n", B, T, statusKb("VmHWM") / 1024,
                Runtime.getRuntime().maxMemory() >> 20);
    }

    /** A "Name:   123 kB" line of /proc/self/status, in kB. */
    static long statusKb(String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(name + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IOException("/proc/self/status has no " + name + " line");
    }
}
