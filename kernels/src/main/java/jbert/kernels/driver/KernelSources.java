package jbert.kernels.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where the kernels come from, decided on the host without touching a GPU (so it is unit-tested):
 * <ul>
 *   <li><b>PTX</b>, committed under {@code resources/ptx/} and built by {@code kernels/build-ptx.sh}
 *       with nvcc 13. The driver JIT-compiles it for the card. Its {@code .version} (PTX ISA 9.0 for
 *       nvcc 13) sets the oldest driver that can load it: a CUDA 13 driver.</li>
 *   <li><b>NVRTC</b>: the {@code .cu} sources shipped in the jar ({@code resources/cuda/}) compiled at
 *       run time by {@code libnvrtc.so.12} through JNvrtc, which emits PTX a CUDA 12 driver accepts.</li>
 * </ul>
 * "auto" takes the PTX when the driver is new enough for it, else NVRTC when present, else explains.
 */
public final class KernelSources {
    private KernelSources() {}

    /** One .cu / .ptx per op family, named after the Java ops. */
    public static final List<String> FAMILIES = List.of(
            "AdamW", "CrossEntropy", "Dropout", "Elementwise", "Embedding", "Gelu",
            "LayerNorm", "Matmul", "MatmulTf32", "Permute", "Reduce", "Softmax");

    /** Headers the .cu files include (shipped beside them; NVRTC gets them by name). */
    public static final List<String> HEADERS = List.of("Bias.cuh", "MatmulTiles.cuh", "MultiTensor.cuh", "Warp.cuh");

    /** The virtual architecture of both paths unless a file asks for more (build-ptx.sh uses the same). */
    public static final String VIRTUAL_ARCH = "compute_75";

    private static final Pattern BUILD_ARCH = Pattern.compile("\\A// build-arch: (compute_\\d+)");
    private static final Pattern PTX_TARGET = Pattern.compile("^\\.target\\s+sm_(\\d+)", Pattern.MULTILINE);

    /** The virtual architecture a source asks for in its first line ("// build-arch: compute_80"), else {@link #VIRTUAL_ARCH}. */
    public static String archOf(String source) {
        Matcher m = BUILD_ARCH.matcher(source);
        return m.find() ? m.group(1) : VIRTUAL_ARCH;
    }

    /** The compute capability PTX text targets, times ten (".target sm_80" gives 80). */
    public static int targetOf(String ptxText) {
        Matcher m = PTX_TARGET.matcher(ptxText);
        if (!m.find()) throw new IllegalArgumentException("PTX text has no .target directive");
        return Integer.parseInt(m.group(1));
    }

    public enum Kind { PTX, NVRTC }

    /** The choice and why it was made (the why is printed once when the backend starts). */
    public record Choice(Kind kind, String reason) {}

    /**
     * @param requested     "auto", "ptx" or "nvrtc" ({@link jbert.engine.BackendOptions#kernels}, {@code -Djbert.cuda.kernels})
     * @param driverVersion cuDriverGetVersion, e.g. 13000 for CUDA 13.0
     * @param ptxNeeds      the driver version the committed PTX needs ({@link #driverVersionForPtx})
     * @param nvrtcLoaded   whether JNvrtc and libnvrtc.so.12 loaded
     * @throws IllegalStateException when no path can work, naming what is missing
     */
    public static Choice choose(String requested, int driverVersion, int ptxNeeds, boolean nvrtcLoaded) {
        String driver = "driver CUDA " + versionString(driverVersion);
        String ptx = "the committed PTX needs CUDA " + versionString(ptxNeeds);
        switch (requested) {
            case "ptx":
                if (driverVersion < ptxNeeds) throw new IllegalStateException("jbert.cuda.kernels=ptx: " + ptx + ", this " + driver);
                return new Choice(Kind.PTX, "PTX from nvcc (forced), " + driver);
            case "nvrtc":
                if (!nvrtcLoaded) throw new IllegalStateException("jbert.cuda.kernels=nvrtc: libnvrtc.so.12 not found");
                return new Choice(Kind.NVRTC, "NVRTC 12 run-time compilation (forced), " + driver);
            case "auto":
                if (driverVersion >= ptxNeeds) return new Choice(Kind.PTX, "committed PTX (" + driver + ")");
                if (nvrtcLoaded) return new Choice(Kind.NVRTC, "NVRTC 12 compiles the .cu sources: " + ptx + ", this " + driver);
                throw new IllegalStateException(ptx + " but this " + driver + ", and libnvrtc.so.12 (to compile the sources instead) is not installed");
            default:
                throw new IllegalArgumentException("jbert.cuda.kernels must be auto, ptx or nvrtc, not '" + requested + "'");
        }
    }

    private static final Pattern PTX_VERSION = Pattern.compile("^\\.version\\s+(\\d+)\\.(\\d+)", Pattern.MULTILINE);

    /**
     * The oldest driver (cuDriverGetVersion encoding, 1000 * major + 10 * minor) that loads PTX of the
     * given text's ISA version. From NVIDIA's PTX ISA release notes: ISA 7.x came with CUDA 11.x,
     * 8.0-8.5 with CUDA 12.0-12.5 (12.6 kept 8.5), 8.7 with 12.8, 8.8 with 12.9, 9.x with 13.x.
     */
    public static int driverVersionForPtx(String ptxText) {
        Matcher m = PTX_VERSION.matcher(ptxText);
        if (!m.find()) throw new IllegalArgumentException("PTX text has no .version directive");
        int major = Integer.parseInt(m.group(1)), minor = Integer.parseInt(m.group(2));
        if (major >= 9) return 13000 + (major - 9) * 1000 + minor * 10;
        if (major == 8) return minor <= 5 ? 12000 + minor * 10 : 12000 + (minor + 1) * 10;
        if (major == 7) return 11000 + minor * 10;
        return 10000;
    }

    /**
     * The parameter types of one kernel entry in PTX text, in order: ".u64" for pointers and 64-bit
     * integers, ".u32" / ".s32" for 32-bit integers, ".f32" for floats.
     */
    public static List<String> entryParams(String ptxText, String entry) {
        Matcher m = Pattern.compile("\\.entry\\s+" + Pattern.quote(entry) + "\\s*\\(([^)]*)\\)").matcher(ptxText);
        if (!m.find()) throw new IllegalArgumentException("no kernel " + entry + " in the PTX");
        java.util.List<String> types = new java.util.ArrayList<>();
        Matcher p = Pattern.compile("\\.param\\s+(\\.[a-z0-9]+)").matcher(m.group(1));
        while (p.find()) types.add(p.group(1));
        return types;
    }

    static String versionString(int v) { return (v / 1000) + "." + (v % 1000) / 10; }

    /** The committed PTX of one family. */
    public static String ptx(String family) { return resource("/ptx/" + family + ".ptx"); }

    /** The CUDA C source of one family (shipped in the jar for NVRTC). */
    public static String source(String family) { return resource("/cuda/" + family + ".cu"); }

    /** A header from {@link #HEADERS}. */
    public static String header(String name) { return resource("/cuda/" + name); }

    /**
     * PTX text with nvcc's header comments and blank lines dropped: what is left is the code, which is
     * what the staleness test compares (the header names the compiler build, which may differ).
     */
    public static String normalise(String ptxText) {
        return ptxText.lines()
                .filter(l -> !l.isBlank() && !l.stripLeading().startsWith("//"))
                .map(String::stripTrailing)
                .collect(Collectors.joining("\n"));
    }

    private static String resource(String path) {
        try (InputStream in = KernelSources.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("kernel resource " + path + " missing from the jbert-kernels jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel resource " + path, e);
        }
    }
}
