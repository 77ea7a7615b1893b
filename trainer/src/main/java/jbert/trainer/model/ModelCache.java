package jbert.trainer.model;

import jbert.engine.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Publishing a folder into the cache exactly once, even when several jbert processes (or threads) ask
 * for it at the same moment.
 *
 * <p>The protocol: take an exclusive lock on {@code .<name>.lock} beside the target (a file lock
 * between processes, a {@link ReentrantLock} between threads of this JVM, since a JVM may hold only
 * one lock per file); if the target exists by then, someone else built it: use it. Otherwise build
 * into a fresh temp folder {@code .<name>.tmp-*} and rename it to the target in one atomic move. A
 * folder at the target therefore is always complete; a killed build leaves only a temp folder, which
 * the next lock holder deletes.
 */
public final class ModelCache {
    private ModelCache() {}

    /** Fills a fresh, empty folder. */
    @FunctionalInterface
    public interface Builder {
        void build(Path staging) throws IOException;
    }

    private static final ConcurrentHashMap<Path, ReentrantLock> THREAD_LOCKS = new ConcurrentHashMap<>();

    /** Returns {@code target}, building it first if it does not exist. */
    public static Path getOrBuild(Path target, Builder builder) {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) return abs;
        Path parent = abs.getParent();
        String name = abs.getFileName().toString();
        ReentrantLock threadLock = THREAD_LOCKS.computeIfAbsent(abs, k -> new ReentrantLock());
        threadLock.lock();
        try {
            Files.createDirectories(parent);
            try (FileChannel ch = FileChannel.open(parent.resolve("." + name + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                if (Files.isDirectory(abs)) return abs;
                deleteStale(parent, "." + name + ".tmp-");
                Path staging = Files.createTempDirectory(parent, "." + name + ".tmp-");
                AtomicFiles.readableByAll(staging);
                try {
                    builder.build(staging);
                    try {
                        AtomicFiles.moveAtomically(staging, abs);
                    } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                        // Rename wins: a process that ignored the lock (another file system) finished first.
                    }
                } finally {
                    deleteTree(staging);
                }
            }
            return abs;
        } catch (IOException e) {
            throw new UncheckedIOException(abs + ": cannot build the cached model (" + e.getMessage() + ")", e);
        } finally {
            threadLock.unlock();
        }
    }

    /** Temp folders of builds that died: only the lock holder creates them, so any left over are stale. */
    private static void deleteStale(Path parent, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) deleteTree(p);
        }
    }

    public static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot delete (" + e.getMessage() + ")", e);
        }
    }
}
