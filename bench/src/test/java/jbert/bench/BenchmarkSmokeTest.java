package jbert.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps every benchmark runnable: runs each one (every class in the JMH benchmark list, the GPU ones
 * when a GPU is present) for one short iteration in this JVM, with no warm-up, and fails if any of them
 * throws or reports nothing. Model benchmarks run shrunk (1 layer, B=2, T=8), and model I/O loads
 * tiny-bert from ../shared instead of bert-base-uncased from the model cache, so the whole suite takes
 * seconds and needs no cache; the figures are not looked at.
 */
class BenchmarkSmokeTest {
    /** The benchmarks over the whole model ({@link ModelBenchDefaults}), whose sizes the smoke run shrinks. */
    private static final String MODEL_BENCHMARKS = "jbert\\.bench\\.(TrainStep|Forward|EmbeddingBackward|Evaluate)(Cuda)?Bench\\..*";

    @Test void everyBenchmarkRunsOnce() throws Exception {
        // JMH takes a machine-wide lock so timed runs do not overlap; this run times nothing, so it
        // must not fail (or wait) because somebody is benchmarking on the same machine.
        System.setProperty("jmh.ignoreLock", "true");
        Set<String> expected = new TreeSet<>();
        boolean gpu = BenchMain.gpuPresent();
        for (BenchmarkListEntry e : BenchmarkList.defaultList().getAll(null, List.of())) {
            if (gpu || !e.getUsername().matches(BenchMain.CUDA_BENCHMARKS)) expected.add(e.getUsername());
        }
        assertTrue(expected.contains("jbert.bench.TrainStepBench.step"), "the benchmark list lacks the training step: " + expected);

        // Model benchmarks shrunk to 1 layer and B=2, T=8 (their parameter names may mean something
        // else in the kernel benchmarks, so the two groups run separately); kernel benchmarks as they are.
        List<RunResult> results = new ArrayList<>();
        results.addAll(run(gpu, opts -> opts.include(MODEL_BENCHMARKS).param("layers", "1").param("shape", "2x8")));
        String tinyBert = Path.of(System.getProperty("jbert.shared", "../shared"), "golden", "tiny-bert").toString();
        results.addAll(run(gpu, opts -> opts.include("jbert\\..*").exclude(MODEL_BENCHMARKS).param("model", tinyBert)));

        Set<String> ran = new TreeSet<>();
        for (RunResult r : results) {
            ran.add(r.getParams().getBenchmark());
            assertFalse(Double.isNaN(r.getPrimaryResult().getScore()), r.getParams().getBenchmark() + " reported no score");
        }
        assertEquals(expected, ran, "benchmarks that did not run");
    }

    /** One short, unwarmed iteration of each selected benchmark, in this JVM; any exception fails. */
    private static Collection<RunResult> run(boolean gpu, UnaryOperator<ChainedOptionsBuilder> select) throws RunnerException {
        ChainedOptionsBuilder opts = select.apply(new OptionsBuilder())
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .shouldFailOnError(true);
        if (!gpu) opts.exclude(BenchMain.CUDA_BENCHMARKS);
        return new Runner(opts.build()).run();
    }
}
