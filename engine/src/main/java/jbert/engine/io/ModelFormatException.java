package jbert.engine.io;

/**
 * A model file (weights, config, index) that is malformed or does not fit the model. The message is
 * one line for the user and names the file and, where there is one, the tensor or key:
 * {@code model.safetensors: tensor bert.pooler.dense.weight: data_offsets [0, 12] hold 12 bytes, ...}.
 */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) { super(message); }

    public ModelFormatException(String message, Throwable cause) { super(message, cause); }

    /** "file: message". */
    public static ModelFormatException in(Object file, String message) {
        return new ModelFormatException(file + ": " + message);
    }

    /** "file: tensor NAME: message". */
    public static ModelFormatException tensor(Object file, String tensor, String message) {
        return new ModelFormatException(file + ": tensor " + tensor + ": " + message);
    }
}
