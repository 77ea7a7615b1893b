package jbert.trainer.data;

import jbert.trainer.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

/**
 * Where the Twitter Financial News sentiment CSVs ({@code sent_train.csv}, {@code sent_valid.csv}) come
 * from, in order: {@code --data DIR}; {@code $JBERT_DATA}; the cache of an earlier download
 * ({@code $JBERT_HOME/datasets/...}, else {@code ~/.cache/jbert/datasets/...}); a download from the
 * Hugging Face Hub into that cache. Offline, the error says how to pass {@code --data}.
 */
public final class TwitterFinancialNews {
    public static final String NAME = "twitter-financial-news-sentiment";
    public static final String TRAIN_FILE = "sent_train.csv";
    public static final String VALID_FILE = "sent_valid.csv";
    /** The dataset repository's file URL; {@code <file>} is replaced by the file name. */
    public static final String HUB_URL =
            "https://huggingface.co/datasets/zeroshot/twitter-financial-news-sentiment/resolve/main/<file>";

    private final Map<String, String> env;
    private final String hubUrl;

    /** @param env the environment (System.getenv() or a test's); JBERT_HUB_URL overrides the URL for tests */
    public TwitterFinancialNews(Map<String, String> env) {
        this.env = env;
        this.hubUrl = env.getOrDefault("JBERT_HUB_URL", HUB_URL);
    }

    public static boolean holds(Path dir) {
        return Files.isRegularFile(dir.resolve(TRAIN_FILE)) && Files.isRegularFile(dir.resolve(VALID_FILE));
    }

    /** The cache folder for the dataset. */
    public Path cacheDir() {
        String home = env.get("JBERT_HOME");
        Path root = home != null && !home.isBlank()
                ? Path.of(home)
                : Path.of(System.getProperty("user.home"), ".cache", "jbert");
        return root.resolve("datasets").resolve(NAME);
    }

    /**
     * The folder holding both CSVs, following the order above.
     * @param notice receives one line saying where the data came from when it was downloaded
     */
    public Path locate(java.util.function.Consumer<String> notice) {
        String fromEnv = env.get("JBERT_DATA");
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path dir = Path.of(fromEnv);
            if (!holds(dir)) {
                throw new UserError("JBERT_DATA=" + fromEnv + " does not hold " + TRAIN_FILE + " and " + VALID_FILE);
            }
            return dir;
        }
        Path cache = cacheDir();
        if (holds(cache)) return cache;
        download(cache, notice);
        return cache;
    }

    private void download(Path cache, java.util.function.Consumer<String> notice) {
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        try {
            Files.createDirectories(cache);
            for (String file : new String[] {TRAIN_FILE, VALID_FILE}) {
                Path target = cache.resolve(file);
                if (Files.isRegularFile(target)) continue;
                String url = hubUrl.replace("<file>", file);
                if (notice != null) notice.accept("downloading " + url);
                HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).GET().build();
                HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                if (resp.statusCode() != 200) {
                    resp.body().close();
                    throw new IOException("HTTP " + resp.statusCode() + " for " + url);
                }
                // Temp file then rename: a cut download never looks like a cached file, and two runs
                // downloading at once each rename a whole file.
                Path tmp = Files.createTempFile(cache, file, ".part");
                try (InputStream in = resp.body()) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    checkHeader(tmp, url);
                    moveIntoPlace(tmp, target);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        } catch (IOException e) {
            throw offline(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw offline("interrupted");
        }
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            // another run finished the same download first: keep its copy
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void checkHeader(Path file, String url) throws IOException {
        String first;
        try (var r = Files.newBufferedReader(file)) { first = r.readLine(); }
        if (first == null || !first.replace("\uFEFF", "").strip().equals("text,label")) {
            throw new IOException(url + " did not return a CSV with the header text,label");
        }
    }

    private UserError offline(String why) {
        return new UserError("cannot download the Twitter Financial News dataset (" + why + "); pass the folder holding "
                + TRAIN_FILE + " and " + VALID_FILE + " with --data DIR or JBERT_DATA=DIR "
                + "(an offline copy: ../shared/datasets/" + NAME + ")");
    }
}
