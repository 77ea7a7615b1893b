package jbert.engine.io;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Locates ../shared (system property jbert.shared, set by surefire). A missing file fails the test. */
final class SharedFiles {
    private SharedFiles() {}

    static Path golden(String relative) {
        String prop = System.getProperty("jbert.shared");
        Path root = prop != null ? Path.of(prop) : Path.of("..", "shared");
        if (!Files.isDirectory(root)) root = Path.of("..", "..", "shared");
        Path p = root.resolve("golden").resolve(relative);
        if (!Files.isRegularFile(p)) fail("missing shared file " + p + " (set -Djbert.shared)");
        return p;
    }
}
