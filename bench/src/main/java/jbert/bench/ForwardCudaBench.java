package jbert.bench;

/** {@link Forward} on the CUDA backend; {@link BenchMain} leaves it out when no GPU is present. */
public class ForwardCudaBench extends Forward {
    @Override protected String device() { return "cuda"; }
}
