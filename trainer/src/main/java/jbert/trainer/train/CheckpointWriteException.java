package jbert.trainer.train;

import jbert.trainer.UserError;

/** A checkpoint could not be written (disk full, folder not writable); earlier checkpoints are intact. */
public final class CheckpointWriteException extends UserError {
    public CheckpointWriteException(String message, Throwable cause) { super(message, cause); }
}
