package jbert.trainer.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * A test hook, behind the hidden {@code jbert train --pause-in-checkpoint N}: the run stops inside the
 * write of checkpoint-N at the moment a crash would leave it half written (its weights in the hidden
 * temp folder, its optimizer and trainer state not yet, the folder not renamed into place), says so on
 * {@code out}, and waits there until the process is killed. A test that kills it then knows it hit
 * that moment, not one a few milliseconds off (KilledResumeTest).
 *
 * @param step the checkpoint to stop in
 * @param out  where the run reports itself: the line announcing the pause goes there
 */
public record CheckpointPause(int step, PrintStream out) {

    /** Called by {@link Checkpoints#write} once checkpoint {@code writing}'s weights are in {@code tempFolder}. */
    void reached(int writing, Path tempFolder) {
        if (writing != step) return;
        out.println("test hook: checkpoint-" + writing + " is half written in " + tempFolder + "; waiting to be killed");
        out.flush();
        while (true) LockSupport.park(this);
    }
}
