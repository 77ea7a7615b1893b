package jbert.kernels.graphs;

import jbert.engine.BatchShape;
import jbert.kernels.Gcc;
import jbert.kernels.driver.ForeignLaunch;
import jbert.kernels.driver.GraphDriver;
import jbert.kernels.driver.Kernel;
import jbert.kernels.memory.CachingAllocator;
import jcuda.NativePointerObject;
import jcuda.driver.CUfunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StepGraphs} without a GPU, on {@code src/test/native/fake_cuda_launch.c}: a driver whose
 * launches outside a capture "run" into a log, whose captured graphs run their nodes into the same
 * log, and whose nodes take new arguments. A made-up step (kernels whose arguments change every step,
 * a cuBLAS-like call on blocks from the allocator, a read-back splitting it in two) must run exactly
 * what the same steps run eagerly, call for call and argument for argument, however the recording is
 * then met: replayed, re-argued, or left behind mid-segment.
 */
class StepGraphsTest {
    @TempDir static Path dir;
    static SymbolLookup fake;
    static MethodHandle runCount, runFunction, runParam, runReset;

    @BeforeAll static void buildTheFakeDriver() throws Exception {
        Path lib = dir.resolve("libfakecudagraphs.so");
        Gcc.run("-shared", "-fPIC", "-O1", "-o", lib.toString(),
                Path.of("src/test/native/fake_cuda_launch.c").toAbsolutePath().toString());
        fake = SymbolLookup.libraryLookup(lib, Arena.global());
        Linker l = Linker.nativeLinker();
        runCount = l.downcallHandle(fake.find("fake_run_count").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
        runFunction = l.downcallHandle(fake.find("fake_run_function").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
        runParam = l.downcallHandle(fake.find("fake_run_param").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT));
        runReset = l.downcallHandle(fake.find("fake_run_reset").orElseThrow(), FunctionDescriptor.ofVoid());
    }

    /** What ran since the last reset: one line per kernel, its function and five parameter slots. */
    static List<String> ran() throws Throwable {
        List<String> lines = new ArrayList<>();
        int n = (int) runCount.invokeExact();
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder("f" + (long) runFunction.invokeExact(i));
            for (int k = 0; k < 5; k++) b.append(' ').append(Long.toHexString((long) runParam.invokeExact(i, k)));
            lines.add(b.toString());
        }
        runReset.invokeExact();
        return lines;
    }

    /** A CUfunction with a handle of its own (JCuda keeps the value private, as ForeignLaunch reads it). */
    static CUfunction function(long handle) throws ReflectiveOperationException {
        CUfunction f = new CUfunction();
        MethodHandles.privateLookupIn(NativePointerObject.class, MethodHandles.lookup())
                .findVarHandle(NativePointerObject.class, "nativePointer", long.class).set(f, handle);
        return f;
    }

    /** Device memory that hands out made-up addresses, for the caching allocator. */
    static CachingAllocator<Long> allocator() {
        long[] next = {0x10000};
        return new CachingAllocator<>(new CachingAllocator.DeviceMemory<>() {
            @Override public Long malloc(long bytes) { long a = next[0]; next[0] += bytes; return a; }
            @Override public void free(Long handle) { }
        }, () -> "fake device");
    }

    /** Everything a made-up step needs, launching through one launcher (the driver, or the graphs). */
    static final class World {
        final ForeignLaunch driver = new ForeignLaunch(fake);
        final CachingAllocator<Long> alloc = allocator();
        final StepGraphs graphs;
        final Kernel scale, dropout, gemm, other;
        final List<String> notices = new ArrayList<>();

        World(boolean withGraphs) throws ReflectiveOperationException {
            graphs = withGraphs ? new StepGraphs(driver, new GraphDriver(fake), alloc, 7, 2, notices::add) : null;
            Kernel.Launcher l = withGraphs ? graphs : driver;
            // (ptr x, int n, float a, long long seed, int flag), as ForeignLaunchTest's kernel
            List<String> sig = List.of(".u64", ".u32", ".f32", ".u64", ".u32");
            scale = new Kernel("scale", function(101), sig, l);
            dropout = new Kernel("dropout", function(102), sig, l);
            other = new Kernel("other", function(103), sig, l);
            gemm = new Kernel("gemm", function(104), sig, driver);   // cuBLAS's own kernels: never through the graphs
        }

        /** A cuBLAS-like call: captured and replayed whole, never re-argued. */
        void opaque(long a, long c) {
            Runnable run = () -> gemm.launch(1, 32, null, a, 0, 1f, c, 0);
            if (graphs == null) run.run();
            else graphs.opaque(List.of(a, c), run);
        }

        void readBack() { if (graphs != null) graphs.boundary(); }

        /**
         * One made-up step: two temporaries from the allocator (their placement in replayed steps is
         * CachingAllocatorTest's), a dropout with this step's seed, a cuBLAS-like product on them, a
         * read-back, then an update whose rate changes every step. Graphs hold two calls at most here,
         * so the step is three graphs: a chunk, the rest up to the read-back, the rest.
         * With {@code odd}, the second half launches another kernel than usual.
         */
        void step(int i, boolean odd) {
            var x = alloc.allocate(4096);
            var y = alloc.allocate(8192);   // another size: eager steps get the same blocks every step too
            scale.launch(4, 256, null, x.handle(), 1024, 2f, 0L, 1);
            dropout.launch(4, 256, null, x.handle(), 1024, 0.1f, 1000L + i, 0);
            opaque(x.handle(), y.handle());
            alloc.release(x);
            readBack();
            (odd ? other : scale).launch(4, 256, null, y.handle(), 1024, 1f / (i + 1), 0L, 0);
            alloc.release(y);
        }

        void run(int i, boolean odd) {
            if (graphs == null) step(i, odd);
            else graphs.step(new BatchShape(1, 8), () -> { step(i, odd); return null; });
        }
    }

    static List<String> runSteps(boolean withGraphs, int steps, java.util.function.IntPredicate odd, World[] keep) throws Throwable {
        ran();
        World w = new World(withGraphs);
        if (keep != null) keep[0] = w;
        for (int i = 0; i < steps; i++) w.run(i, odd.test(i));
        return ran();
    }

    @Test void replayedStepsRunWhatEagerStepsRun() throws Throwable {
        World[] w = new World[1];
        List<String> eager = runSteps(false, 8, i -> false, null);
        List<String> graphs = runSteps(true, 8, i -> false, w);
        assertEquals(eager, graphs);
        assertEquals(8 * 4, graphs.size());
        // one eager step, one captured, six replayed; new seeds and rates re-argue two nodes a step
        assertTrue(w[0].graphs.stats().startsWith("captured 1, replayed 6, failed 0"), w[0].graphs.stats());
        assertEquals(6 * 2, w[0].graphs.patchedNodes());
    }

    @Test void aStepThatLeavesItsRecordingRunsEverythingInOrderAndIsCapturedAgain() throws Throwable {
        World[] w = new World[1];
        java.util.function.IntPredicate odd = i -> i == 4;
        List<String> eager = runSteps(false, 9, odd, null);
        List<String> graphs = runSteps(true, 9, odd, w);
        assertEquals(eager, graphs);
        // steps 2-3 replayed, step 4 falls back after its read-back, 5 captured again, 6-8 replayed
        assertTrue(w[0].graphs.stats().startsWith("captured 2, replayed 5, failed 1"), w[0].graphs.stats());
        assertTrue(w[0].notices.isEmpty());
    }

    @Test void aShapeThatNeverRepeatsItselfEndsUpWithoutGraphsAndSaysSo() throws Throwable {
        World[] w = new World[1];
        java.util.function.IntPredicate odd = i -> i % 2 == 1;   // every other step differs from the one captured
        List<String> eager = runSteps(false, 12, odd, null);
        List<String> graphs = runSteps(true, 12, odd, w);
        assertEquals(eager, graphs);
        assertEquals(1, w[0].notices.size(), String.valueOf(w[0].notices));
        assertTrue(w[0].notices.get(0).startsWith("jbert: CUDA graphs off for step B=1 T=8 after 3 failed replays"), w[0].notices.get(0));
    }

    @Test void onlyTheMostRecentShapesKeepTheirGraphs() throws Throwable {
        World w = new World(true);
        int shapes = StepGraphs.MAX_SHAPES + 1;
        for (int k = 0; k < shapes; k++) {
            for (int i = 0; i < 2; i++) {             // an eager step, then the captured one
                int step = i;
                w.graphs.step(new BatchShape(k + 1, 8), () -> { w.step(step, false); return null; });
            }
        }
        w.graphs.step(new BatchShape(shapes, 8), () -> { w.step(2, false); return null; });
        assertEquals(1, w.graphs.replayedSteps(), "the newest shape is replayed");
        w.graphs.step(new BatchShape(1, 8), () -> { w.step(2, false); return null; });
        assertEquals(1, w.graphs.replayedSteps(), "the oldest shape was dropped: it starts again with an eager step");
        ran();
    }
}
