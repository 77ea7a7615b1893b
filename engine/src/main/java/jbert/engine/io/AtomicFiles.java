package jbert.engine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.BiFunction;

/**
 * Writing a file so that readers see either the old file or the complete new one, never half of it:
 * write a temp file in the same folder, flush it to disk, rename it over the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * Test hook, set by no program: when not null, the channel of every file written here is handed to
     * it with the file's target path, and the channel it returns is written instead. The trainer's
     * FaultsTest makes the disk fill up this way (a channel that fails after N bytes).
     */
    private static volatile BiFunction<Path, FileChannel, FileChannel> channelWrapper;

    /** Sets the test hook above ({@code null} removes it). */
    public static void setChannelWrapperForTests(BiFunction<Path, FileChannel, FileChannel> wrapper) {
        channelWrapper = wrapper;
    }

    /** What fills the temp file. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel ch) throws IOException;
    }

    public static void write(Path target, byte[] bytes) {
        write(target, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
        });
    }

    public static void write(Path target, Body body) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            readableByAll(tmp);
            try (FileChannel ch = open(tmp, abs)) {
                body.write(ch);
                ch.force(true);
            }
            moveAtomically(tmp, abs);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException(abs + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort: the temp name is hidden */ }
            }
        }
    }

    /** The temp file's channel, through the test hook when one is set. */
    private static FileChannel open(Path tmp, Path target) throws IOException {
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        BiFunction<Path, FileChannel, FileChannel> wrapper = channelWrapper;
        return wrapper == null ? ch : wrapper.apply(target, ch);
    }

    /**
     * Temp files and folders are created owner-only (0600/0700); the files they become are ordinary
     * ones (0644/0755), like any file a tool writes. No-op on file systems without POSIX permissions.
     */
    public static void readableByAll(Path p) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // Not POSIX: the platform's defaults apply.
        }
    }

    /** Renames {@code from} to {@code to} atomically, replacing a file at {@code to}. */
    public static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
