package jbert.trainer.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * Where a command reads and prints: its input (predict's texts), its output (results, progress) and its
 * errors and notices. {@code Main} hands every command the process's stdin, stdout and stderr; a test
 * hands its own streams, so no command prints through a global.
 */
public record Console(InputStream in, PrintStream out, PrintStream err) {

    /** Notices a library call makes (downloads, conversions, the device chosen): one line each, on err. */
    public Consumer<String> notices() { return err::println; }
}
