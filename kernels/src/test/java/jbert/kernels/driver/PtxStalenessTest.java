package jbert.kernels.driver;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The committed PTX must be what build-ptx.sh makes from the committed .cu files. Two checks:
 * <ol>
 *   <li>Always: the manifest {@code ptx/SOURCES.sha256} that build-ptx.sh wrote names the SHA-256 of
 *       every current .cu file (an edited kernel without rebuilt PTX fails here, nvcc or not).</li>
 *   <li>Where nvcc is installed: rebuild into a temporary folder and compare each PTX with the
 *       committed one after dropping nvcc's header comments (they name the compiler build).</li>
 * </ol>
 */
class PtxStalenessTest {
    static final Path CUDA = Path.of("src/main/cuda");
    static final Path PTX = Path.of("src/main/resources/ptx");

    @Test void manifestMatchesTheCurrentSources() throws IOException, NoSuchAlgorithmException {
        Map<String, String> manifest = new LinkedHashMap<>();
        for (String line : Files.readAllLines(PTX.resolve("SOURCES.sha256"))) {
            String[] parts = line.trim().split("\\s+\\*?", 2);
            manifest.put(parts[1], parts[0]);
        }
        assertEquals(KernelSources.FAMILIES.size() + KernelSources.HEADERS.size(), manifest.size(), "manifest entries: " + manifest.keySet());
        List<String> sources = new ArrayList<>(KernelSources.HEADERS);
        for (String family : KernelSources.FAMILIES) sources.add(family + ".cu");
        for (String file : sources) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(CUDA.resolve(file)));
            assertEquals(manifest.get(file), HexFormat.of().formatHex(digest),
                    file + " changed since the PTX was built: run kernels/build-ptx.sh and commit the PTX");
        }
        for (String family : KernelSources.FAMILIES) assertTrue(Files.exists(PTX.resolve(family + ".ptx")), family + ".ptx is committed");
    }

    @Test void rebuiltPtxEqualsTheCommittedPtxWhereNvccExists() throws Exception {
        if (!nvccPresent()) {
            // The manifest test above still guards staleness; the byte comparison needs the compiler.
            System.out.println("PtxStalenessTest: nvcc not on PATH; compared source hashes only");
            assertTrue(Files.exists(PTX.resolve("SOURCES.sha256")));
            return;
        }
        Path out = Files.createTempDirectory("jbert-ptx");
        try {
            Process p = new ProcessBuilder("bash", "build-ptx.sh", out.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(180, TimeUnit.SECONDS), "build-ptx.sh timed out");
            assertEquals(0, p.exitValue(), "build-ptx.sh failed:\n" + log);
            for (String family : KernelSources.FAMILIES) {
                String fresh = Files.readString(out.resolve(family + ".ptx"));
                String committed = Files.readString(PTX.resolve(family + ".ptx"));
                assertEquals(KernelSources.normalise(fresh), KernelSources.normalise(committed),
                        family + ".ptx is stale: run kernels/build-ptx.sh and commit the PTX");
            }
        } finally {
            try (var files = Files.list(out)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(out);
        }
    }

    static boolean nvccPresent() {
        try {
            Process p = new ProcessBuilder("nvcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
