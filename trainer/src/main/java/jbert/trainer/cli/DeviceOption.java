package jbert.trainer.cli;

import jbert.engine.Backend;
import jbert.engine.BackendOptions;
import jbert.engine.Backends;
import picocli.CommandLine.Option;

import java.util.function.Consumer;

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

    /** The backend these flags choose over the context's defaults; a device that is not usable is a one-line error (exit 2). */
    public Backend select(CommandContext context) {
        return select(over(context.backend(), false), context.console().notices());
    }

    /**
     * The flags applied over {@code defaults} (what the process's environment set, {@link CommandContext});
     * with {@code cudaGraphs}, a CUDA backend replays training steps from CUDA graphs.
     */
    public BackendOptions over(BackendOptions defaults, boolean cudaGraphs) {
        if (threads != null && threads < 1) throw new jbert.trainer.UserError("--threads " + threads + ": expected a positive number");
        BackendOptions o = defaults.withDevice(device.name());
        if (threads != null) o = o.withThreads(threads);
        if (tf32) o = o.withTf32(true);
        if (cudaGraphs) o = o.withCudaGraphs(true);
        return o;
    }

    /** Chooses the backend of {@code options} once; a device that is not usable is a one-line error (exit 2). */
    public static Backend select(BackendOptions options, Consumer<String> notice) {
        try {
            return Backends.select(options, notice);
        } catch (Backends.UnavailableException e) {
            throw new jbert.trainer.UserError("--device " + e.getMessage());
        }
    }
}
