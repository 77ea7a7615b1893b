package jbert.bench;

/** {@link Forward} on the CPU backend (Vector API kernels, all cores unless jbert.threads says otherwise). */
public class ForwardBench extends Forward {
    @Override protected String device() { return "cpu"; }
}
