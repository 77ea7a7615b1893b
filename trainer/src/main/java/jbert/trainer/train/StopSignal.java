package jbert.trainer.train;

import java.io.PrintStream;

/**
 * Ctrl-C during training. The first SIGINT only raises a flag: the loop finishes the step (and any
 * checkpoint being written), saves a checkpoint and exits with {@link jbert.trainer.Main#EXIT_INTERRUPTED}.
 * A second SIGINT exits at once; the atomic writes guarantee that this too leaves every completed
 * checkpoint intact.
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported, in every JDK): the only way in the JDK
 * to replace the default action of SIGINT, which would otherwise run shutdown hooks and exit
 * while the training thread is mid-write.
 */
public final class StopSignal {
    private volatile boolean requested;
    private volatile String reason;

    /** A flag raised by nothing but {@link #request}: for tests and embedding. */
    public StopSignal() {}

    /** Raises the flag; the loop stops at the next step boundary. */
    public void request(String why) {
        reason = why;
        requested = true;
    }

    public boolean requested() { return requested; }

    public String reason() { return reason; }

    /** A flag raised by SIGINT; returns a plain flag where signals cannot be handled. */
    @SuppressWarnings("removal")
    public static StopSignal onInterrupt(PrintStream err) {
        StopSignal s = new StopSignal();
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                if (s.requested) {
                    err.println("\njbert: second interrupt, exiting now (completed checkpoints are intact)");
                    Runtime.getRuntime().halt(130);
                }
                err.println("\njbert: interrupt: finishing this step, then saving a checkpoint (Ctrl-C again to quit at once)");
                s.request("interrupted (SIGINT)");
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No signal handling here (some embedded runtimes): the default Ctrl-C behaviour stays.
        }
        return s;
    }
}
