package jbert.trainer.data;

/** A tokenized example: {@code [CLS] tokens [SEP]} ids (truncated to the max length) and its class id. */
public record Encoded(int[] ids, int label) {}
