package jbert.engine.ops;

import jbert.engine.Tensor;

import java.util.Arrays;

/** Shape checks shared by the ops: each failure names the op, the tensors and both shapes. */
final class Shapes {
    private Shapes() {}

    static void same(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": shape mismatch, " + a.describe() + " vs " + b.describe());
        }
    }

    static void check(boolean ok, String op, String what, Tensor a, Tensor b) {
        if (!ok) throw new IllegalArgumentException(op + ": " + what + ", " + a.describe() + " vs " + b.describe());
    }

    static void rank(String op, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": expected a rank-" + rank + " tensor, got " + t.describe());
        }
    }

    /** Product of all dimensions but the last: the number of rows a row kernel sees. */
    static int rows(Tensor t) { return (int) (t.size() / t.dim(-1)); }
}
