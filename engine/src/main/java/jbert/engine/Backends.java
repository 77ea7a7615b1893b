package jbert.engine;

import jbert.engine.cpu.CpuBackend;

import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * Chooses the backend once, from {@link BackendOptions#device()}: "cpu", "cuda" or "auto". Asking for
 * a GPU that is not there is an error, never a silent fall back to the CPU; only "auto" may pick the
 * CPU, and it says so.
 */
public final class Backends {
    private Backends() {}

    /** Thrown when a requested backend cannot be used; the message is one line for the user. */
    public static final class UnavailableException extends RuntimeException {
        public UnavailableException(String message) { super(message); }
    }

    /** The fast CPU backend on every core. */
    public static Backend cpu() { return CpuBackend.INSTANCE; }

    /**
     * @param options the device and its settings
     * @param notice  where "auto" reports which backend it picked and why (may be null)
     * @throws UnavailableException naming the device and why it cannot be used
     */
    public static Backend select(BackendOptions options, Consumer<String> notice) {
        Consumer<String> say = notice != null ? notice : line -> {};
        String name = options.device();
        switch (name) {
            case "cpu":
                return CpuBackend.fast(options.cpuThreads());
            case "auto": {
                BackendProvider gpu;
                try {
                    gpu = provider("cuda");
                } catch (UnavailableException e) {
                    say.accept("device: cpu (auto: " + e.getMessage() + ")");
                    return CpuBackend.fast(options.cpuThreads());
                }
                if (gpu != null && gpu.available()) {
                    say.accept("device: cuda");
                    return gpu.create(options);
                }
                say.accept("device: cpu (auto: " + (gpu == null ? "no CUDA backend on the class path" : gpu.unavailableReason()) + ")");
                return CpuBackend.fast(options.cpuThreads());
            }
            default: {
                BackendProvider p = provider(name);
                if (p == null) {
                    throw new UnavailableException("unknown device '" + name + "' (expected cpu, cuda or auto)");
                }
                if (!p.available()) throw new UnavailableException(name + ": " + p.unavailableReason());
                return p.create(options);
            }
        }
    }

    private static BackendProvider provider(String name) {
        try {
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
                if (p.name().equals(name)) return p;
            }
        } catch (java.util.ServiceConfigurationError e) {
            // A broken provider jar on the class path: say so in one line rather than with a stack trace.
            throw new UnavailableException("device '" + name + "': a backend on the class path failed to load ("
                    + e.getMessage() + ")");
        }
        return null;
    }
}
