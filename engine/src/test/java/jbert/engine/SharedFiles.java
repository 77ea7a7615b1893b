package jbert.engine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The test data in ../shared (goldens, dataset). A missing file fails the test, in CI and elsewhere:
 * a golden test that silently skips proves nothing.
 */
public final class SharedFiles {
    private SharedFiles() {}

    public static Path root() {
        return Path.of(System.getProperty("jbert.shared", "../shared")).toAbsolutePath().normalize();
    }

    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            fail("missing test file " + p + " (the shared/ folder must sit beside the checkout; "
                    + "set -Djbert.shared=DIR to point elsewhere)");
        }
        return p;
    }
}
