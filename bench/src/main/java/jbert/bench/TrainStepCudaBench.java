package jbert.bench;

/** {@link TrainStep} on the CUDA backend; {@link BenchMain} leaves it out when no GPU is present. */
public class TrainStepCudaBench extends TrainStep {
    @Override protected String device() { return "cuda"; }
}
