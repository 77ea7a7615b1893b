package jbert.trainer.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jbert.trainer.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Unlabelled inputs of {@code tokenize}, {@code encode} and {@code predict}: a {@code .jsonl} file holds
 * per line one JSON string, or an object with a {@code text} field (and {@code text_pair} when pairs
 * are read); any other file holds one text per line, UTF-8. Blank lines of a text file are texts too
 * (an empty string), except a final newline, so output line i answers input line i.
 */
public final class TextInputs {
    private TextInputs() {}

    /** One input: a text, and its pair (null for single sequences). */
    public record Text(String text, String pair, long line) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static List<Text> read(Path file, boolean pairs) {
        String content = TableReader.readUtf8(file);
        return TableReader.isJsonl(file) ? jsonl(file, content, pairs) : lines(file, content, pairs);
    }

    /** Lines of text (stdin for predict); every line is a text. */
    public static List<Text> fromLines(List<String> lines) {
        List<Text> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) out.add(new Text(lines.get(i), null, i + 1));
        return out;
    }

    private static List<String> split(String content) {
        List<String> lines = new ArrayList<>(List.of(content.split("\r\n|\r|\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
        return lines;
    }

    private static List<Text> lines(Path file, String content, boolean pairs) {
        if (pairs) throw new UserError(file + ": pairs need a .jsonl input with text and text_pair fields");
        return fromLines(split(content));
    }

    private static List<Text> jsonl(Path file, String content, boolean pairs) {
        List<String> lines = split(content);
        List<Text> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            long lineNo = i + 1;
            String line = lines.get(i);
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new UserError(file + " line " + lineNo + ": invalid JSON (" + e.getOriginalMessage() + ")");
            }
            if (n.isTextual()) {
                if (pairs) throw new UserError(file + " line " + lineNo + ": a pair needs an object with text and text_pair");
                out.add(new Text(n.asText(), null, lineNo));
            } else if (n.isObject() && n.path("text").isTextual()) {
                String pair = null;
                if (pairs) {
                    if (!n.path("text_pair").isTextual()) throw new UserError(file + " line " + lineNo + ": missing string field text_pair");
                    pair = n.get("text_pair").asText();
                }
                out.add(new Text(n.get("text").asText(), pair, lineNo));
            } else {
                throw new UserError(file + " line " + lineNo + ": expected a JSON string or an object with a string field text");
            }
        }
        return out;
    }
}
