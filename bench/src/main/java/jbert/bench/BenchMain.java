package jbert.bench;

import jbert.engine.Backends;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the benchmarks with JMH's own command line ({@code [REGEX] [-f N] [-p name=v] ...}), leaving out
 * the GPU-only benchmark classes (named {@code *CudaBench}) when no CUDA backend is usable, so that the
 * GPU variants run exactly when a GPU is present.
 */
public final class BenchMain {
    private BenchMain() {}

    /** The JMH exclude pattern of the GPU-only benchmarks. */
    static final String CUDA_BENCHMARKS = ".*CudaBench.*";

    /** Whether the CUDA backend can be selected here (its provider is on the class path and sees a GPU). */
    static boolean gpuPresent() {
        try {
            BenchDefaults.select("cuda");
            return true;
        } catch (Backends.UnavailableException | LinkageError e) {
            return false;
        }
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (cmd.shouldHelp()) { cmd.showHelp(); return; }
        if (cmd.shouldList() || cmd.shouldListWithParams() || cmd.shouldListProfilers() || cmd.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        ChainedOptionsBuilder opts = new OptionsBuilder().parent(cmd);
        if (!gpuPresent()) {
            System.err.println("bench: no usable GPU, leaving out the *CudaBench benchmarks");
            opts.exclude(CUDA_BENCHMARKS);
        }
        new Runner(opts.build()).run();
    }
}
