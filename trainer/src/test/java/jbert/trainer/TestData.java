package jbert.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/** Test fixtures: the shared folder, the tiny-bert model, and a small synthetic sentiment dataset. */
public final class TestData {
    private TestData() {}

    /** ../shared (system property jbert.shared, set by surefire). A missing folder fails the test, never skips it. */
    public static Path shared() {
        String p = System.getProperty("jbert.shared");
        Path dir = p != null && !p.isBlank() ? Path.of(p) : Path.of("..", "shared");
        assertTrue(Files.isDirectory(dir), "the shared folder is missing: " + dir.toAbsolutePath());
        return dir;
    }

    /**
     * {@code -Djbert.requireGpu=true}, which kernels/device-check.sh passes: there a GPU that cannot be
     * used fails the GPU tests instead of skipping them. Read once, here at the tests' edge.
     */
    static final boolean REQUIRE_GPU = Boolean.parseBoolean(System.getProperty("jbert.requireGpu", "false"));

    /** Why {@code --device cuda} cannot run here (no driver, no GPU), or null where it can. */
    public static String gpuUnavailable() {
        try {
            jbert.engine.Backends.select(jbert.engine.BackendOptions.cuda(), null);
            return null;
        } catch (jbert.engine.Backends.UnavailableException e) {
            return e.getMessage();
        }
    }

    /** The guard of a GPU test: it runs where {@code --device cuda} can, else skips saying why (fails under jbert.requireGpu). */
    public static void assumeGpu() { gpuGuard(gpuUnavailable(), REQUIRE_GPU); }

    /** Nothing when {@code unavailable} is null; else a skipped test, or with {@code required} a failed one, naming the reason. */
    static void gpuGuard(String unavailable, boolean required) {
        if (unavailable == null) return;
        if (required) fail("jbert.requireGpu is set and --device cuda cannot run: " + unavailable);
        System.out.println("GPU test skipped: " + unavailable);
        abort(unavailable);
    }

    /** A 2-layer BERT classifier (H 32, vocab 128, 3 labels) in HF layout: config.json, model.safetensors, vocab.txt. */
    public static Path tinyBert() {
        Path dir = shared().resolve("golden").resolve("tiny-bert");
        for (String f : List.of("config.json", "model.safetensors", "vocab.txt")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), "missing " + dir.resolve(f));
        }
        return dir;
    }

    private static final String[] BEAR = {"down", "crash", "sell", "bear", "miss"};
    private static final String[] BULL = {"up", "rally", "buy", "bull", "beat"};
    private static final String[] FILLER = {"the", "market", "stock", "shares", "price", "target", "fed", "rates", "earnings"};

    /**
     * {@code n} texts in tiny-bert's vocabulary whose label (0 Bearish, 1 Bullish, 2 Neutral) is set by
     * the words in it: something a 2-layer model learns in a few dozen steps.
     */
    public static List<String[]> sentiment(int n, long seed) {
        Random r = new Random(seed);
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % 3;
            List<String> words = new ArrayList<>();
            int len = 3 + r.nextInt(5);
            for (int k = 0; k < len; k++) words.add(FILLER[r.nextInt(FILLER.length)]);
            String[] cue = label == 0 ? BEAR : label == 1 ? BULL : null;
            if (cue != null) for (int k = 0; k < 2; k++) words.add(r.nextInt(words.size() + 1), cue[r.nextInt(cue.length)]);
            rows.add(new String[] {String.join(" ", words), Integer.toString(label)});
        }
        return rows;
    }

    /** Writes rows as an RFC 4180 CSV with the header text,label. */
    public static Path csv(Path file, List<String[]> rows) throws IOException {
        StringBuilder sb = new StringBuilder("text,label\n");
        for (String[] r : rows) sb.append('"').append(r[0].replace("\"", "\"\"")).append("\",").append(r[1]).append('\n');
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, sb.toString());
        return file;
    }

    /** A --data folder with the Twitter file names (so labels are Bearish, Bullish, Neutral). */
    public static Path twitterLikeFolder(Path dir, int train, int eval) throws IOException {
        csv(dir.resolve("sent_train.csv"), sentiment(train, 1));
        csv(dir.resolve("sent_valid.csv"), sentiment(eval, 2));
        return dir;
    }
}
