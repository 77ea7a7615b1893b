package jbert.trainer.model;

import java.nio.file.Path;

/**
 * Where jbert keeps what it downloads and converts: {@code $JBERT_HOME}, else {@code ~/.cache/jbert}.
 * The system property {@code jbert.home} takes precedence (tests point it at a build folder).
 */
public final class JbertHome {
    private JbertHome() {}

    public static Path get() {
        String prop = System.getProperty("jbert.home");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        String env = System.getenv("JBERT_HOME");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "jbert");
    }

    /** {@code <home>/models}: one HF-layout folder per converted model. */
    public static Path models() { return get().resolve("models"); }
}
