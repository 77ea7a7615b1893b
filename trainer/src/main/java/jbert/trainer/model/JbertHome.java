package jbert.trainer.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Where jbert keeps what it downloads and converts: {@code $JBERT_HOME}, else {@code ~/.cache/jbert}.
 * The system property {@code jbert.home} takes precedence (tests point it at a build folder). The
 * command line reads it once, at its start ({@code CommandContext}).
 */
public final class JbertHome {
    private JbertHome() {}

    /** The home that these system properties and environment variables name. */
    public static Path of(Properties properties, Map<String, String> environment) {
        String prop = properties.getProperty("jbert.home");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        String env = environment.get("JBERT_HOME");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(properties.getProperty("user.home"), ".cache", "jbert");
    }
}
