package jbert.tokenizer;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared test data folder (../shared): surefire passes -Djbert.shared, a plain run falls back to ../shared. */
final class Shared {
    private Shared() {}

    static Path dir() {
        String prop = System.getProperty("jbert.shared");
        return Path.of(prop != null && !prop.isBlank() ? prop : "../shared");
    }

    /** A file under shared/; a missing file fails the test (in CI and everywhere else), it never skips it. */
    static Path file(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.isRegularFile(p))
            fail("missing test data " + p.toAbsolutePath().normalize() + " (set -Djbert.shared=<path to shared>"
                    + ("true".equals(System.getenv("CI")) ? "; CI requires it" : "") + ")");
        return p;
    }

    static Path golden(String name) {
        return file("golden/tokenizer/" + name);
    }
}
