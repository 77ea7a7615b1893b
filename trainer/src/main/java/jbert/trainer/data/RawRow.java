package jbert.trainer.data;

/** A row as read from a CSV or JSONL file, before its label is resolved to a class id. */
public record RawRow(String text, String label, long line) {}
