package jbert.trainer.data;

/**
 * One labelled text. {@code label} is the class id; {@code source} and {@code line} say where it came
 * from (for error messages and reports).
 */
public record Example(String text, int label, String source, long line) {}
