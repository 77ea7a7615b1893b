package jbert.kernels.memory;

import jbert.engine.Storage;

/**
 * The host-side checks of every launch's arguments: a GPU kernel reading past a buffer, or an id
 * outside its table, fails silently, so each is checked before the launch and refused with a line
 * naming the op and the argument.
 */
public final class ArgumentChecks {
    private ArgumentChecks() {}

    /** The storage as the CUDA backend's own. */
    public static CudaStorage of(Storage s, String op) {
        if (s instanceof CudaStorage c) return c;
        throw new IllegalArgumentException(op + ": storage " + (s == null ? "null" : s.getClass().getSimpleName())
                + " does not belong to the cuda backend");
    }

    public static void need(CudaStorage s, long n, String op, String arg) {
        if (s.size() < n) throw new IllegalArgumentException(op + ": " + arg + " holds " + s.size() + " floats, needs " + n);
    }

    /** The storage of argument {@code arg}, holding at least n floats. */
    public static CudaStorage in(Storage s, long n, String op, String arg) {
        CudaStorage c = of(s, op);
        need(c, n, op, arg);
        return c;
    }

    public static void checkIds(int[] ids, int n, long rows, String op, String what) {
        checkIds(ids, n, rows, op, what, false);
    }

    /** With negativeSkipped, negative ids are allowed (padding rows that embedding backward skips). */
    public static void checkIds(int[] ids, int n, long rows, String op, String what, boolean negativeSkipped) {
        if (ids.length < n) throw new IllegalArgumentException(op + ": " + ids.length + " " + what + "s for " + n + " rows");
        for (int i = 0; i < n; i++) {
            if ((ids[i] < 0 && !negativeSkipped) || ids[i] >= rows) {
                throw new IllegalArgumentException(op + ": " + what + " " + ids[i] + " at position " + i + " is outside [0, " + rows + ")");
            }
        }
    }
}
