package jbert.engine;

/**
 * Service interface through which a backend outside the engine (the CUDA backend in {@code kernels})
 * makes itself known. Registered in {@code META-INF/services/jbert.engine.BackendProvider}.
 */
public interface BackendProvider {
    /** The name users pass to {@code --device}, e.g. "cuda". */
    String name();

    /** Whether this backend can run here (driver and device present). Must not throw. */
    boolean available();

    /** Why {@link #available()} is false, in one line; null when available. */
    String unavailableReason();

    /** Creates the backend with these settings. Only called when available. */
    Backend create(BackendOptions options);
}
