package jbert.bench;

/** {@link TrainStepBenchmark} on the CPU backend (Vector API kernels, all cores unless jbert.threads says otherwise). */
public class TrainStepBench extends TrainStepBenchmark {
    @Override protected String device() { return "cpu"; }
}
