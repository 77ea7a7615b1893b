package jbert.engine.io;

/** Shape arithmetic shared by the readers. */
final class HostTensorShapes {
    private HostTensorShapes() {}

    /** The element count; saturates at Long.MAX_VALUE instead of overflowing, so size checks fail. */
    static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d != 0 && n > Long.MAX_VALUE / d) return Long.MAX_VALUE;
            n *= d;
        }
        return n;
    }
}
