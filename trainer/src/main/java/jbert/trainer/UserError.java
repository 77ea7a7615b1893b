package jbert.trainer;

/**
 * An error the user can fix: a missing file, a malformed row, an option that does not fit the data.
 * {@link Main} prints its message as one line ({@code jbert: <message>}) with no stack trace and exits
 * with {@link Main#EXIT_USAGE}. The message names the file and line, the flag or the tensor at fault.
 */
public class UserError extends RuntimeException {
    public UserError(String message) { super(message); }
    public UserError(String message, Throwable cause) { super(message, cause); }
}
