package jbert.engine.io;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * CRC-32C (Castagnoli), as LevelDB and TensorFlow checksum their files, with their "mask".
 *
 * <p>The CRC itself is {@link java.util.zip.CRC32C} (hardware-accelerated). The mask exists because
 * computing the CRC of a string that contains embedded CRCs is error-prone; LevelDB/TF store
 * {@code rotate_right(crc, 15) + 0xa282ead8} instead of the raw value (leveldb util/crc32c.h,
 * tensorflow/tsl/lib/hash/crc32c.h).
 */
public final class Crc32c {
    private Crc32c() {}

    private static final int MASK_DELTA = 0xa282ead8;

    public static int of(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /** The CRC of a region of a (possibly memory-mapped) segment, fed in chunks. */
    public static int of(MemorySegment seg, long off, long len) {
        CRC32C c = new CRC32C();
        final long chunk = 1 << 24;
        for (long p = 0; p < len; p += chunk) {
            c.update(seg.asSlice(off + p, Math.min(chunk, len - p)).asByteBuffer());
        }
        return (int) c.getValue();
    }

    public static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    public static int unmask(int masked) {
        int rot = masked - MASK_DELTA;
        return (rot >>> 17) | (rot << 15);
    }
}
