package jbert.bench;

/** {@link TrainStepBenchmark} on the CUDA backend; {@link BenchMain} leaves it out when no GPU is present. */
public class TrainStepCudaBench extends TrainStepBenchmark {
    @Override protected String device() { return "cuda"; }
}
