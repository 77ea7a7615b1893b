package jbert.trainer.cli;

import jbert.engine.Backend;
import jbert.engine.Backends;
import picocli.CommandLine.Option;

import java.io.PrintStream;

/** {@code --device cpu|cuda|auto} and {@code --threads N}, shared by every command that runs a model. */
public final class DeviceOption {
    public enum Device { cpu, cuda, auto }

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|cuda|auto",
            description = "Where to run: cpu, cuda (an error when no GPU is usable) or auto (cuda when usable, "
                    + "else cpu, and says which). Default: ${DEFAULT-VALUE}.")
    Device device = Device.auto;

    @Option(names = "--threads", paramLabel = "N",
            description = "CPU threads for the kernels (default: JBERT_THREADS, else every core).")
    Integer threads;

    @Option(names = "--tf32", description = "On the GPU, matrix products in TF32 on tensor cores (10-bit mantissa "
            + "inputs, fp32 accumulation), as torch.backends.cuda.matmul.allow_tf32. Ignored on the CPU.")
    boolean tf32;

    /** Chooses the backend once; a device that is not usable is a one-line error (exit 2). */
    public Backend select(PrintStream err) {
        return select(err, false);
    }

    /** As {@link #select(PrintStream)}; with {@code cudaGraphs}, a CUDA backend replays training steps from CUDA graphs. */
    public Backend select(PrintStream err, boolean cudaGraphs) {
        if (threads != null) {
            if (threads < 1) throw new jbert.trainer.UserError("--threads " + threads + ": expected a positive number");
            System.setProperty("jbert.threads", Integer.toString(threads));
        }
        // Read by the CUDA backend when it is created (jbert.tf32, jbert.cuda.graphs), so they must be set before select;
        // put back afterwards, so that a later command in the same JVM (tests, embedding) is not TF32 too.
        String beforeTf32 = System.getProperty("jbert.tf32"), beforeGraphs = System.getProperty("jbert.cuda.graphs");
        if (tf32) System.setProperty("jbert.tf32", "true");
        if (cudaGraphs) System.setProperty("jbert.cuda.graphs", "true");
        try {
            return Backends.select(device.name(), err::println);
        } finally {
            restore("jbert.tf32", beforeTf32);
            restore("jbert.cuda.graphs", beforeGraphs);
        }
    }

    private static void restore(String property, String before) {
        if (before == null) System.clearProperty(property);
        else System.setProperty(property, before);
    }

    public String name() { return device.name(); }
}
