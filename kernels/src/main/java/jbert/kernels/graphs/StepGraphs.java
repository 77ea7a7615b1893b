package jbert.kernels.graphs;

import jbert.engine.BatchShape;
import jbert.kernels.driver.ForeignLaunch;
import jbert.kernels.driver.GraphDriver;
import jbert.kernels.driver.Kernel;
import jbert.kernels.memory.CachingAllocator;
import jbert.kernels.memory.StepCapture;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * CUDA graphs of a training step, with the engine untouched.
 *
 * <p>Why: a BERT-base step is about 2,000 kernel launches. At the fine-tuning protocol's size (B=8,
 * T=64) the GPU finishes most kernels before the host has issued the next, so the step takes what
 * issuing it takes. A CUDA graph is the step's launches recorded once and replayed by one call; the
 * driver then issues the kernels back to back (on an H100, 1.3 µs a kernel replayed against 3.8 µs
 * launched one by one: bench/RESULTS.md, GPU).
 *
 * <p>How, without changing the engine: the model code runs every step as always, and every call
 * that reaches the device comes through here: kernel launches ({@link #launch}), cuBLAS calls
 * ({@link #opaque}), and the points where the host is about to read device memory ({@link #boundary}:
 * a loss, a gradient norm). A read-back splits the step into segments, one graph each, and so does
 * every {@link #CHUNK_CALLS}-th call: a replayed segment runs while the host checks the next one's
 * calls (with one graph per read-back, the host's checking and the GPU's running would take turns).
 * <ol>
 *   <li>The first step of a shape runs as usual (it creates gradients, moments, tables).</li>
 *   <li>The second is captured (cuStreamBeginCapture on the backend's stream): each segment becomes
 *       a graph, which is then launched, and each kernel's node is remembered.</li>
 *   <li>From the third on, each call is checked against the recording instead of launched: same
 *       kernel, same arguments, nothing to do; same kernel, other arguments (a dropout seed, the
 *       learning rate, a block the allocator placed elsewhere) and the node gets the new ones
 *       (cuGraphExecKernelNodeSetParams). At each read-back the segment's graph is launched.</li>
 *   <li>Anything else (another kernel, a cuBLAS call with other arguments, a different number of
 *       calls) and the calls held back so far are launched one by one, the rest of the step runs as
 *       usual, and the next step of that shape is captured again. After three such failures in a
 *       row, graphs are off for that shape, with a one-line notice.</li>
 * </ol>
 * Replaying a segment with its kernels' current arguments is exactly launching them in order: a
 * stream capture is a chain, every node after the one before. That is why any argument may change.
 * cuBLAS's nodes cannot be given new arguments (its kernels are its own), so the allocator gives a
 * replayed step the blocks the captured one had ({@link CachingAllocator#replay}), and its calls
 * match.
 *
 * <p>Not thread-safe, as the backend: one step at a time.
 *
 * <p>One class of about 400 lines on purpose: capture, the replay's check of each call and the fallback
 * all move the same cursor (mode, segment, position) through the same recording; split apart, each
 * part would reach into the others' state.
 */
public final class StepGraphs implements Kernel.Launcher, StepCapture {
    /** Eager steps of a shape before its capture: the first creates what later steps reuse. */
    static final int WARMUP_STEPS = 1;
    /** Failed replays in a row after which a shape runs without graphs. */
    static final int MAX_FAILURES = 3;
    /** Calls per graph at most (a few microseconds of host time each, against ~10 to launch a graph). */
    public static final int CHUNK_CALLS = 128;
    /** Step shapes whose graphs are kept; the least recently used is dropped beyond that. */
    static final int MAX_SHAPES = 16;

    private enum Mode { EAGER, CAPTURE, REPLAY }

    /** One recorded call of a segment. */
    private sealed interface Op permits KernelOp, OpaqueOp {}

    /** A kernel launch: its graph node, and the shape and arguments the node holds now. */
    private static final class KernelOp implements Op {
        final Kernel kernel;
        final long function, node;
        final int[] shape;                       // gridX, gridY, gridZ, blockX, blockY, sharedBytes
        final ForeignLaunch.Params params;

        KernelOp(Kernel kernel, long function, long node, int[] shape, ForeignLaunch.Params params) {
            this.kernel = kernel;
            this.function = function;
            this.node = node;
            this.shape = shape;
            this.params = params;
        }
    }

    /** Work a graph holds as captured (a cuBLAS call): replayed only where called with equal arguments. */
    private record OpaqueOp(Object call, Runnable eager) implements Op {}

    /** The calls between two read-backs (or up to a chunk's size), and their graph (0 when there were none). */
    private static final class Segment {
        final List<Op> ops = new ArrayList<>();
        long graph, exec;
        /** Ended by a read-back; else by reaching the chunk size, and replayed as soon as its last call is checked. */
        boolean endsAtReadBack;
    }

    /** What is known of one step shape. */
    private static final class Recording {
        final BatchShape shape;
        final List<Segment> segments = new ArrayList<>();
        List<? extends CachingAllocator.Block<?>> allocations = List.of();
        int eagerSteps, failures;
        boolean disabled;

        Recording(BatchShape shape) { this.shape = shape; }
    }

    private final ForeignLaunch driverLaunch;
    private final GraphDriver graphs;
    private final CachingAllocator<?> allocator;
    private final long stream;
    private final int chunkCalls;
    private final Consumer<String> notice;
    /** By step shape, least recently used first. */
    private final Map<BatchShape, Recording> recordings = new java.util.LinkedHashMap<>(16, 0.75f, true);

    // The step in progress.
    private Mode mode = Mode.EAGER;
    private Recording current;
    /** CAPTURE: the segment being captured (null until its first call). */
    private Segment open;
    /** REPLAY: the segment and the call within it that come next. */
    private int segment, position;

    // Counts, for tests and the device check.
    private long captured, replayed, failed, patched;

    /** @param chunkCalls calls per graph at most ({@link #CHUNK_CALLS}; tests use fewer) */
    public StepGraphs(ForeignLaunch driverLaunch, GraphDriver graphs, CachingAllocator<?> allocator, long stream, int chunkCalls,
               Consumer<String> notice) {
        this.driverLaunch = driverLaunch;
        this.graphs = graphs;
        this.allocator = allocator;
        this.stream = stream;
        this.chunkCalls = chunkCalls;
        this.notice = notice;
    }

    /** Whether a step is being captured or replayed (then uploads must go through kernels, {@link jbert.kernels.memory.CudaMemory}). */
    @Override
    public boolean active() { return mode != Mode.EAGER; }

    /** "captured 1, replayed 19, failed 0, nodes given new arguments 1040". */
    public String stats() {
        return String.format("captured %d, replayed %d, failed %d, nodes given new arguments %d", captured, replayed, failed, patched);
    }

    public long replayedSteps() { return replayed; }
    public long failedSteps() { return failed; }
    public long patchedNodes() { return patched; }

    // ---- the step --------------------------------------------------------------------------------

    /** Runs one training step of shape {@code key}: eagerly, captured, or replayed from its graphs. */
    public <R> R step(BatchShape key, Supplier<R> body) {
        if (current != null) throw new IllegalStateException("step " + key + " started inside step " + current.shape);
        Recording r = recordings.computeIfAbsent(key, Recording::new);
        if (recordings.size() > MAX_SHAPES) {
            var eldest = recordings.entrySet().iterator().next();
            forget(eldest.getValue());
            recordings.remove(eldest.getKey());
        }
        if (r.disabled) return body.get();
        if (r.segments.isEmpty() && r.eagerSteps < WARMUP_STEPS) {
            r.eagerSteps++;
            return body.get();
        }
        current = r;
        segment = 0;
        position = 0;
        if (r.segments.isEmpty()) {
            mode = Mode.CAPTURE;
            allocator.record();
        } else {
            mode = Mode.REPLAY;
            allocator.replay(r.allocations);
        }
        boolean done = false;
        try {
            R result = body.get();
            endStep();
            done = true;
            return result;
        } finally {
            if (!done) abandon();
            allocator.stopScript();
            mode = Mode.EAGER;
            current = null;
            open = null;
        }
    }

    private void endStep() {
        boundary();
        if (mode == Mode.CAPTURE) {
            current.allocations = allocator.recorded();
            captured++;
        } else if (mode == Mode.REPLAY) {
            if (segment != current.segments.size()) {
                // The step ended early (its work all ran, segment by segment): record it anew next time.
                fail("the step ended after " + segment + " of " + current.segments.size() + " segments");
            } else {
                replayed++;
                current.failures = 0;
            }
        }
    }

    /** The step threw: end an open capture (its work never ran; the step's error says why). */
    private void abandon() {
        if (mode == Mode.CAPTURE && open != null && open.graph == 0) {
            try {
                graphs.destroy(0, graphs.endCapture(stream));
            } catch (RuntimeException ignored) {
                // the capture may already be invalid; the step's own exception is the one to report
            }
        }
        if (mode != Mode.EAGER) forget(current);
    }

    // ---- the calls ---------------------------------------------------------------------------------

    @Override
    public void launch(Kernel kernel, long function, int gridX, int gridY, int gridZ, int blockX, int blockY,
                       int sharedBytes, long stream, ForeignLaunch.Params params) {
        switch (mode) {
            case EAGER -> driverLaunch.launch(kernel, function, gridX, gridY, gridZ, blockX, blockY, sharedBytes, stream, params);
            case CAPTURE -> {
                openSegment();
                driverLaunch.launch(kernel, function, gridX, gridY, gridZ, blockX, blockY, sharedBytes, stream, params);
                long node = graphs.lastCapturedNode(stream);
                open.ops.add(new KernelOp(kernel, function, node, new int[]{gridX, gridY, gridZ, blockX, blockY, sharedBytes}, params.copy()));
                if (open.ops.size() >= chunkCalls) closeSegment(false);
            }
            case REPLAY -> {
                if (!replayKernel(kernel, function, new int[]{gridX, gridY, gridZ, blockX, blockY, sharedBytes}, params)) {
                    driverLaunch.launch(kernel, function, gridX, gridY, gridZ, blockX, blockY, sharedBytes, stream, params);
                }
            }
        }
    }

    /** Checks a kernel call against the recording; false after a fallback (then launch it as usual). */
    private boolean replayKernel(Kernel kernel, long function, int[] shape, ForeignLaunch.Params params) {
        Op expected = expected();
        if (expected == null) return false;
        if (!(expected instanceof KernelOp k) || k.function != function) {
            fallBack("call " + position + " of segment " + segment + " is kernel " + kernel.name() + ", recorded " + describe(expected));
            return false;
        }
        if (!java.util.Arrays.equals(k.shape, shape) || !k.params.sameValues(params)) {
            if (k.node == 0) {
                fallBack("kernel " + kernel.name() + " changed arguments and its graph node is unknown");
                return false;
            }
            try {
                graphs.setKernelParams(current.segments.get(segment).exec, k.node, function, shape[0], shape[1], shape[2],
                        shape[3], shape[4], shape[5], params);
            } catch (RuntimeException e) {
                fallBack("kernel " + kernel.name() + ": new arguments refused: " + e.getMessage());
                return false;
            }
            System.arraycopy(shape, 0, k.shape, 0, shape.length);
            k.params.setValues(params);
            patched++;
        }
        position++;
        launchIfChunkComplete();
        return true;
    }

    /**
     * Work that a graph can hold but not re-argue, identified by {@code call} (a record of its
     * arguments, compared with equals): run it, capture it, or check it against the recording.
     */
    public void opaque(Object call, Runnable eager) {
        switch (mode) {
            case EAGER -> eager.run();
            case CAPTURE -> {
                openSegment();
                eager.run();
                open.ops.add(new OpaqueOp(call, eager));
                if (open.ops.size() >= chunkCalls) closeSegment(false);
            }
            case REPLAY -> {
                Op expected = expected();
                if (expected == null) {
                    eager.run();
                } else if (expected instanceof OpaqueOp o && o.call.equals(call)) {
                    position++;
                    launchIfChunkComplete();
                } else {
                    fallBack("call " + position + " of segment " + segment + " is " + call + ", recorded " + describe(expected));
                    eager.run();
                }
            }
        }
    }

    /**
     * The host is about to read device memory or wait for the device: what was queued must run. Ends
     * a captured segment (its graph is instantiated and launched) or launches a replayed one.
     */
    @Override
    public void boundary() {
        switch (mode) {
            case EAGER -> { }
            case CAPTURE -> closeSegment(true);
            case REPLAY -> {
                if (segment >= current.segments.size()) {
                    fallBack("the step reads the device more often than the recorded one");
                    return;
                }
                Segment s = current.segments.get(segment);
                if (!s.endsAtReadBack || position != s.ops.size()) {
                    fallBack("segment " + segment + " has " + position + " calls, the recorded one " + s.ops.size());
                    return;
                }
                if (s.exec != 0) graphs.launch(s.exec, stream);
                segment++;
                position = 0;
            }
        }
    }

    // ---- bookkeeping -------------------------------------------------------------------------------

    /** CAPTURE: ends the open segment (an empty one at a read-back without calls), and runs its graph. */
    private void closeSegment(boolean readBack) {
        Segment s = open != null ? open : new Segment();
        if (open != null) {
            s.graph = graphs.endCapture(stream);
            s.exec = graphs.instantiate(s.graph);
            graphs.launch(s.exec, stream);
        }
        s.endsAtReadBack = readBack;
        current.segments.add(s);
        open = null;
    }

    /** REPLAY: a chunk whose calls have all been checked runs at once. */
    private void launchIfChunkComplete() {
        Segment s = current.segments.get(segment);
        if (!s.endsAtReadBack && position == s.ops.size()) {
            graphs.launch(s.exec, stream);
            segment++;
            position = 0;
        }
    }

    private void openSegment() {
        if (open == null) {
            open = new Segment();
            graphs.beginCapture(stream);
        }
    }

    /** The recorded call that should come next, or null after a fallback (there is none). */
    private Op expected() {
        if (segment >= current.segments.size()) {
            fallBack("the step makes more calls than the recorded one");
            return null;
        }
        List<Op> ops = current.segments.get(segment).ops;
        if (position >= ops.size()) {
            fallBack("segment " + segment + " has more than the recorded " + ops.size() + " calls");
            return null;
        }
        return ops.get(position);
    }

    /**
     * The step no longer matches its recording: launch the calls of this segment held back so far
     * (their recorded arguments are this step's: each was checked or given them), then run the rest
     * of the step as usual and capture the shape again next time.
     */
    private void fallBack(String why) {
        if (segment < current.segments.size()) {
            List<Op> ops = current.segments.get(segment).ops;
            for (int i = 0; i < position && i < ops.size(); i++) {
                Op op = ops.get(i);
                if (op instanceof KernelOp k) {
                    driverLaunch.launch(k.kernel, k.function, k.shape[0], k.shape[1], k.shape[2], k.shape[3], k.shape[4], k.shape[5], stream, k.params);
                } else {
                    ((OpaqueOp) op).eager().run();
                }
            }
        }
        mode = Mode.EAGER;
        allocator.stopScript();
        fail(why);
    }

    private void fail(String why) {
        failed++;
        Recording r = current;
        forget(r);
        if (++r.failures >= MAX_FAILURES) {
            r.disabled = true;
            notice.accept("jbert: CUDA graphs off for step " + r.shape + " after " + MAX_FAILURES + " failed replays: " + why);
        }
    }

    /** Drops a recording's graphs (an executable graph still running is freed when it completes). */
    private void forget(Recording r) {
        for (Segment s : r.segments) graphs.destroy(s.exec, s.graph);
        r.segments.clear();
        r.allocations = List.of();
    }

    private static String describe(Op op) {
        return op instanceof KernelOp k ? "kernel " + k.kernel.name() : String.valueOf(((OpaqueOp) op).call());
    }
}
