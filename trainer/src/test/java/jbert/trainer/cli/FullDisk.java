package jbert.trainer.cli;

import jbert.engine.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * A disk that fills up, for the files jbert writes under {@code root} (through {@link AtomicFiles}'s
 * test hook): the first file {@code trigger} picks takes {@code bytes} bytes, then that write and every
 * later one under {@code root} fail with "No space left on device", as on a full disk. Files outside
 * {@code root} are not touched. Close it to take the hook away.
 */
final class FullDisk implements AutoCloseable {
    private final Path root;
    private final Predicate<Path> trigger;
    private final long bytes;
    private volatile boolean full;
    private volatile Path filledBy;

    FullDisk(Path root, Predicate<Path> trigger, long bytes) {
        this.root = root.toAbsolutePath();
        this.trigger = trigger;
        this.bytes = bytes;
        AtomicFiles.setChannelWrapperForTests(this::wrap);
    }

    /** The file whose write filled the disk, or null while there is space. */
    Path filledBy() { return filledBy; }

    @Override public void close() { AtomicFiles.setChannelWrapperForTests(null); }

    private FileChannel wrap(Path target, FileChannel ch) {
        if (!target.toAbsolutePath().startsWith(root)) return ch;
        return new Filling(ch, target, filledBy == null && trigger.test(target) ? bytes : Long.MAX_VALUE);
    }

    /** A channel that writes through until the disk is full or its own {@code room} is used up. */
    private final class Filling extends FileChannel {
        private final FileChannel ch;
        private final Path target;
        private long room;

        Filling(FileChannel ch, Path target, long room) {
            this.ch = ch;
            this.target = target;
            this.room = room;
        }

        /** How many of {@code wanted} bytes still fit; the disk is full once one write does not fit whole. */
        private int fit(int wanted) throws IOException {
            if (full) throw noSpace();
            if (wanted <= room) {
                room -= wanted;
                return wanted;
            }
            int n = (int) room;
            room = 0;
            full = true;
            filledBy = target;
            return n;
        }

        private static IOException noSpace() { return new IOException("No space left on device"); }

        // A full disk takes the part of a write that fits, then fails it.
        @Override public int write(ByteBuffer src) throws IOException {
            int wanted = src.remaining(), n = fit(wanted);
            src.position(src.position() + ch.write(src.slice().limit(n)));
            if (n < wanted) throw noSpace();
            return n;
        }

        @Override public int write(ByteBuffer src, long position) throws IOException {
            int wanted = src.remaining(), n = fit(wanted);
            src.position(src.position() + ch.write(src.slice().limit(n), position));
            if (n < wanted) throw noSpace();
            return n;
        }

        @Override public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) n += write(srcs[i]);
            return n;
        }

        @Override public int read(ByteBuffer dst) throws IOException { return ch.read(dst); }
        @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return ch.read(dsts, offset, length); }
        @Override public int read(ByteBuffer dst, long position) throws IOException { return ch.read(dst, position); }
        @Override public long position() throws IOException { return ch.position(); }
        @Override public FileChannel position(long p) throws IOException { ch.position(p); return this; }
        @Override public long size() throws IOException { return ch.size(); }
        @Override public FileChannel truncate(long size) throws IOException { ch.truncate(size); return this; }
        @Override public void force(boolean metaData) throws IOException { ch.force(metaData); }
        @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return ch.transferTo(position, count, target);
        }
        @Override public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException("not used by the writers under test");
        }
        @Override public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException("not used by the writers under test");
        }
        @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return ch.lock(position, size, shared); }
        @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return ch.tryLock(position, size, shared); }
        @Override protected void implCloseChannel() throws IOException { ch.close(); }
    }
}
