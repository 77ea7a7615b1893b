package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Backends;

/** {@link EmbeddingBackward} on the CUDA backend; {@link BenchMain} leaves it out when no GPU is present. */
public class EmbeddingBackwardCudaBench extends EmbeddingBackward {
    @Override protected Backend backend() { return Backends.select("cuda", null); }
}
