package jbert.engine;

import jbert.engine.cpu.CpuBackend;

import java.util.ServiceLoader;

/**
 * Chooses the backend once, by name: "cpu", "cuda" or "auto". Asking for a GPU that is not there is an
 * error, never a silent fall back to the CPU; only "auto" may pick the CPU, and it says so.
 */
public final class Backends {
    private Backends() {}

    /** Thrown when a requested backend cannot be used; the message is one line for the user. */
    public static final class UnavailableException extends RuntimeException {
        public UnavailableException(String message) { super(message); }
    }

    public static Backend cpu() { return CpuBackend.INSTANCE; }

    /**
     * @param name   "cpu", "cuda" or "auto"
     * @param notice where "auto" reports which backend it picked and why (may be null)
     */
    public static Backend select(String name, java.util.function.Consumer<String> notice) {
        switch (name) {
            case "cpu":
                return cpu();
            case "auto": {
                BackendProvider gpu;
                try {
                    gpu = provider("cuda");
                } catch (UnavailableException e) {
                    if (notice != null) notice.accept("device: cpu (auto: " + e.getMessage() + ")");
                    return cpu();
                }
                if (gpu != null && gpu.available()) {
                    if (notice != null) notice.accept("device: cuda");
                    return gpu.create();
                }
                if (notice != null) {
                    String why = gpu == null ? "no CUDA backend on the class path" : gpu.unavailableReason();
                    notice.accept("device: cpu (auto: " + why + ")");
                }
                return cpu();
            }
            default: {
                BackendProvider p = provider(name);
                if (p == null) {
                    throw new UnavailableException("unknown device '" + name + "' (expected cpu, cuda or auto)");
                }
                if (!p.available()) {
                    throw new UnavailableException("--device " + name + ": " + p.unavailableReason());
                }
                return p.create();
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
