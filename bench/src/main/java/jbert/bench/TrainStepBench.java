package jbert.bench;

/** {@link TrainStep} on the CPU backend (Vector API kernels, all cores unless jbert.threads says otherwise). */
public class TrainStepBench extends TrainStep {
    @Override protected String device() { return "cpu"; }
}
