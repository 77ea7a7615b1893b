package jbert.engine.nn;

import jbert.engine.Rng;

/**
 * The model's source of dropout seeds: a counter hashed by {@link Rng#mix}. Its whole state is one
 * long, saved in checkpoints so that a resumed run draws the same masks as an uninterrupted one.
 */
public final class SeedSequence {
    private final long seed;
    private long counter;

    public SeedSequence(long seed) { this.seed = seed; }

    public long next() { return Rng.mix(seed, counter++); }

    public long state() { return counter; }

    public void restore(long counter) { this.counter = counter; }
}
