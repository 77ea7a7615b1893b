package jbert.tokenizer;

/**
 * A file or setting the tokenizer cannot use. The message is one line that names the file (and the line
 * or JSON field) and says what is wrong, so a command line tool can print it as it is, without a trace.
 */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
