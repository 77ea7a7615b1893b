package jbert.trainer.train;

import jbert.engine.Tensor;
import jbert.engine.io.HostTensor;
import jbert.engine.io.ModelFormatException;
import jbert.engine.io.Safetensors;
import jbert.engine.io.SafetensorsFile;
import jbert.engine.io.TensorSource;
import jbert.engine.optim.AdamW;
import jbert.trainer.UserError;
import jbert.trainer.report.Json;
import jbert.trainer.report.RunMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoint folders {@code checkpoint-N/} (N = optimizer steps done), each holding
 * <ul>
 *   <li>{@code model.safetensors}: the weights under their HF names;</li>
 *   <li>{@code optimizer.safetensors}: AdamW's moments, {@code m.<name>} and {@code v.<name>};</li>
 *   <li>{@code trainer_state.json}: the {@link TrainerState} (step, epoch and position in the epoch's
 *       order, AdamW's step count, the dropout seed counter, the history).</li>
 * </ul>
 * A checkpoint is written into a hidden temp folder and renamed into place only when complete, so a run
 * killed while writing leaves the previous checkpoints as they were and no half checkpoint that
 * {@code --resume} could pick up. Its tensors carry their CRC-32C ({@link Safetensors#writeWithChecksums}),
 * so a checkpoint damaged later (truncated, a flipped bit) is refused, naming the file and the tensor,
 * and the newest intact one is named instead.
 */
public final class Checkpoints {
    private Checkpoints() {}

    public static final String PREFIX = "checkpoint-";
    public static final String WEIGHTS = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "trainer_state.json";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");

    public static Path dir(Path runDir, int step) { return runDir.resolve(PREFIX + step); }

    /**
     * Writes checkpoint-N atomically and returns its folder; {@code pause} is a test hook that stops the
     * write half done (null for none).
     */
    public static Path write(Path runDir, Map<String, Tensor> params, AdamW optimizer, TrainerState state, CheckpointPause pause) {
        Path target = dir(runDir, state.globalStep);
        Path tmp = runDir.resolve("." + PREFIX + state.globalStep + ".tmp-" + ProcessHandle.current().pid());
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            writeTensors(tmp.resolve(WEIGHTS), params);
            if (pause != null) pause.reached(state.globalStep, tmp);
            writeTensors(tmp.resolve(OPTIMIZER), optimizer.state());
            Json.writeAtomically(tmp.resolve(STATE), state);
            if (Files.exists(target)) {
                // Rewriting the same step (a resumed run passing a step it had saved): swap, then drop the old.
                Path old = runDir.resolve("." + PREFIX + state.globalStep + ".old-" + ProcessHandle.current().pid());
                deleteTree(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                move(tmp, target);
                deleteTree(old);
            } else {
                move(tmp, target);
            }
            return target;
        } catch (IOException | UncheckedIOException e) {
            try { deleteTree(tmp); } catch (IOException ignored) { /* the temp folder is hidden and ignored by --resume */ }
            throw new CheckpointWriteException("cannot write " + target + " (" + whyNotWritten(runDir, e) + "); earlier checkpoints are intact", e);
        }
    }

    /** What stopped a write: the run folder gone or read-only, else the I/O error (a full disk). */
    private static String whyNotWritten(Path runDir, Exception e) {
        if (!Files.isDirectory(runDir)) return "the run folder " + runDir + " is no longer a folder";
        if (!Files.isWritable(runDir)) return "the run folder " + runDir + " is not writable";
        return e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause().toString() : e.toString();
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void writeTensors(Path file, Map<String, Tensor> tensors) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        tensors.forEach((k, t) -> shapes.put(k, t.shape()));
        Safetensors.writeWithChecksums(file, shapes, k -> tensors.get(k).toArray(), Map.of("format", "pt"));
    }

    /** metrics.json of the run folder, rewritten atomically with every checkpoint and at the end. */
    public static void writeMetrics(Path runDir, RunMetrics metrics) {
        Path file = runDir.resolve("metrics.json");
        try {
            Json.writeAtomically(file, metrics);
        } catch (IOException e) {
            throw new CheckpointWriteException("cannot write " + file + " (" + e.getMessage() + "); earlier checkpoints are intact", e);
        }
    }

    /** Complete checkpoints of a run folder, oldest first (temp folders of cut writes are not listed). */
    public static List<Path> list(Path runDir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(runDir)) return out;
        try (Stream<Path> s = Files.list(runDir)) {
            s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .forEach(out::add);
        } catch (IOException e) {
            throw new UserError(runDir + ": cannot list (" + e.getMessage() + ")");
        }
        out.sort(Comparator.comparingInt(Checkpoints::step));
        return out;
    }

    public static int step(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(checkpoint + " is not a checkpoint folder");
        return Integer.parseInt(m.group(1));
    }

    /** The checkpoint with the most steps, or null. */
    public static Path latest(Path runDir) {
        List<Path> all = list(runDir);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** Deletes all but the newest {@code keep} checkpoints (keep &lt;= 0: keep all). */
    public static void prune(Path runDir, int keep) throws IOException {
        if (keep <= 0) return;
        List<Path> all = list(runDir);
        for (int i = 0; i < all.size() - keep; i++) deleteTree(all.get(i));
    }

    /** Removes leftovers of writes that were cut short (hidden temp folders). */
    public static void cleanTemp(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) return;
        try (Stream<Path> s = Files.list(runDir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("." + PREFIX) && (n.contains(".tmp-") || n.contains(".old-"))) deleteTree(p);
            }
        }
    }

    /** The checkpoint's trainer state; an unreadable one is a {@link #broken} checkpoint. */
    public static TrainerState readState(Path checkpoint) {
        try {
            return parseState(checkpoint);
        } catch (UserError e) {
            throw broken(checkpoint, e);
        }
    }

    private static TrainerState parseState(Path checkpoint) {
        Path f = checkpoint.resolve(STATE);
        try {
            return Json.MAPPER.readValue(f.toFile(), TrainerState.class);
        } catch (IOException e) {
            throw new UserError(f + ": unreadable trainer state (" + firstLine(e.getMessage()) + ")");
        }
    }

    /**
     * Loads the checkpoint's weights and AdamW moments into the model's parameters and the optimizer;
     * a file that is missing, truncated or fails its checksums is a {@link #broken} checkpoint.
     */
    public static void restore(Path checkpoint, Map<String, Tensor> params, AdamW optimizer, TrainerState state) {
        try {
            load(checkpoint.resolve(WEIGHTS), params);
            load(checkpoint.resolve(OPTIMIZER), optimizer.state());
        } catch (ModelFormatException e) {
            throw broken(checkpoint, e);
        }
        optimizer.restoreStep(state.optimizerStep);
    }

    private static void load(Path file, Map<String, Tensor> into) {
        try (TensorSource src = Safetensors.open(file)) {
            for (Map.Entry<String, Tensor> e : into.entrySet()) {
                if (!src.contains(e.getKey())) throw ModelFormatException.tensor(file, e.getKey(), "missing from the checkpoint");
                HostTensor h = src.read(e.getKey());
                if (!Arrays.equals(h.shape(), e.getValue().shape())) {
                    throw ModelFormatException.tensor(file, e.getKey(), "shape " + Arrays.toString(h.shape())
                            + " in the checkpoint, " + Arrays.toString(e.getValue().shape()) + " in the model");
                }
                e.getValue().copyFrom(h.data());
            }
        }
    }

    /**
     * The error for a checkpoint that cannot be read back: what is wrong with it (the file, and the
     * tensor where there is one), and the newest older checkpoint of its run that is intact, to resume
     * from instead.
     */
    static UserError broken(Path checkpoint, RuntimeException why) {
        Path intact = newestIntactBefore(checkpoint);
        String instead = intact != null ? "the newest intact one is " + intact + ": continue with --resume " + intact
                : "no older checkpoint of the run is intact";
        return new UserError("checkpoint " + checkpoint + " is broken (" + firstLine(why.getMessage()) + "); " + instead, why);
    }

    /** The newest checkpoint beside {@code checkpoint} with fewer steps that passes {@link #isIntact}, or null. */
    private static Path newestIntactBefore(Path checkpoint) {
        Path abs = checkpoint.toAbsolutePath();
        if (!NAME.matcher(abs.getFileName().toString()).matches()) return null; // a folder renamed by hand: no order to go by
        Path runDir = abs.getParent();
        int step = step(abs);
        List<Path> all = list(runDir);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (step(all.get(i)) < step && isIntact(all.get(i))) return all.get(i);
        }
        return null;
    }

    /** Whether the checkpoint's state parses and its tensor files open and pass their checksums. */
    private static boolean isIntact(Path checkpoint) {
        try {
            parseState(checkpoint);
            for (String f : List.of(WEIGHTS, OPTIMIZER)) {
                try (SafetensorsFile src = SafetensorsFile.open(checkpoint.resolve(f))) {
                    src.verifyChecksums();
                }
            }
            return true;
        } catch (UserError | ModelFormatException e) {
            return false;
        }
    }

    private static String firstLine(String m) {
        if (m == null) return "";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
