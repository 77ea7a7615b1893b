package jbert.bench;

import jbert.engine.Backend;
import org.openjdk.jmh.annotations.Param;

/** {@link EmbeddingBackward} on the CPU: the fast kernel beside the scalar reference, the baseline row. */
public class EmbeddingBackwardBench extends EmbeddingBackward {
    @Param({"fast", "reference"})
    public String kernel;

    @Override protected Backend backend() { return backend(kernel); }
}
