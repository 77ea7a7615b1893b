package jbert.bench;

import jbert.engine.Backend;

/** {@link EmbeddingBackward} on the CUDA backend; {@link BenchMain} leaves it out when no GPU is present. */
public class EmbeddingBackwardCudaBench extends EmbeddingBackward {
    @Override protected Backend backend() { return BenchDefaults.select("cuda"); }
}
