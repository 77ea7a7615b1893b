package jbert.trainer.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jbert.trainer.UserError;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads a labelled text file: CSV (RFC 4180, header row) or JSONL (one JSON object per line), chosen by
 * the file's extension ({@code .jsonl}/{@code .json} for JSONL, anything else CSV).
 *
 * <p>A malformed row (bad quoting, a missing or extra field, invalid JSON, a missing key) is an error
 * naming the file and the line where the row starts. With {@code skipBadRows} the row is counted and
 * skipped instead and reading resumes on the next physical line, so one broken quote costs one row,
 * not the rest of the file.
 */
public final class TableReader {
    private TableReader() {}

    /** What came out of a file: the good rows and a description of each skipped one. */
    public record Result(List<RawRow> rows, List<String> skipped) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    // RFC 4180: comma, double quote, doubled quote inside quotes, CRLF or LF. Blank lines (a trailing
    // newline at the end of the file, say) are not rows.
    private static final CSVFormat CSV = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).get();

    public static Result read(Path file, String textColumn, String labelColumn, boolean skipBadRows) {
        String content = readUtf8(file);
        String name = file.toString();
        return isJsonl(file)
                ? readJsonl(name, content, textColumn, labelColumn, skipBadRows)
                : readCsv(name, content, textColumn, labelColumn, skipBadRows);
    }

    public static boolean isJsonl(Path file) {
        String f = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return f.endsWith(".jsonl") || f.endsWith(".json") || f.endsWith(".ndjson");
    }

    /** The whole file as text; invalid UTF-8 is an error naming the line it is on. */
    public static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": no such file");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            return s.startsWith("\uFEFF") ? s.substring(1) : s; // a UTF-8 byte order mark is not text
        } catch (CharacterCodingException e) {
            throw new UserError(file + " line " + firstBadUtf8Line(bytes) + ": not valid UTF-8");
        }
    }

    /** The 1-based line holding the first byte sequence that is not UTF-8. */
    private static long firstBadUtf8Line(byte[] bytes) {
        long line = 1;
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes, start, i - start));
                } catch (CharacterCodingException e) {
                    return line;
                }
                line++;
                start = i + 1;
            }
        }
        return line;
    }

    // ---- CSV ----------------------------------------------------------------------------------------

    private static Result readCsv(String file, String content, String textColumn, String labelColumn, boolean skip) {
        int[] lineStart = lineStarts(content);
        List<RawRow> rows = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<String> header = null;
        int textIdx = -1, labelIdx = -1, headerLine = 0;

        int from = 1; // the physical line where the current parser starts
        outer:
        while (from <= lineStart.length) {
            String rest = content.substring(lineStart[from - 1]);
            try (CSVParser parser = CSVParser.parse(rest, CSV)) {
                Iterator<CSVRecord> it = parser.iterator();
                while (true) {
                    // The next record starts on the first non-blank line after what the parser consumed.
                    int at = nextNonBlank(content, lineStart, from + (int) parser.getCurrentLineNumber());
                    CSVRecord rec;
                    try {
                        if (!it.hasNext()) break outer;
                        rec = it.next();
                    } catch (UncheckedIOException | IllegalStateException e) {
                        String why = "bad quoting (" + csvMessage(e) + ")";
                        if (header == null || !skip) throw new UserError(file + " line " + at + ": " + why);
                        skipped.add(file + " line " + at + ": " + why);
                        from = at + 1;
                        continue outer;
                    }
                    if (header == null) {
                        header = rec.toList();
                        headerLine = at;
                        textIdx = header.indexOf(textColumn);
                        labelIdx = labelColumn == null ? -1 : header.indexOf(labelColumn);
                        if (textIdx < 0 || (labelColumn != null && labelIdx < 0)) {
                            String missing = textIdx < 0 ? textColumn : labelColumn;
                            String flag = textIdx < 0 ? "--text-column" : "--label-column";
                            throw new UserError(file + " line " + at + ": the header has no column '" + missing
                                    + "' (columns: " + String.join(", ", header) + "; choose one with " + flag + ")");
                        }
                        continue;
                    }
                    String problem = null;
                    if (rec.size() != header.size()) {
                        problem = rec.size() < header.size()
                                ? "missing field: " + rec.size() + " of " + header.size() + " columns (" + String.join(",", header) + ")"
                                : "extra field: " + rec.size() + " fields, the header has " + header.size();
                    } else if (labelIdx >= 0 && rec.get(labelIdx).isBlank()) {
                        problem = "empty label";
                    }
                    if (problem != null) {
                        if (!skip) throw new UserError(file + " line " + at + ": " + problem);
                        skipped.add(file + " line " + at + ": " + problem);
                        continue;
                    }
                    rows.add(new RawRow(rec.get(textIdx), labelIdx >= 0 ? rec.get(labelIdx).strip() : null, at));
                }
            } catch (IOException e) {
                throw new UserError(file + ": cannot parse (" + e.getMessage() + ")");
            }
        }
        if (header == null) throw new UserError(file + ": empty file (expected a header row with '" + textColumn + "')");
        if (rows.isEmpty() && skipped.isEmpty()) throw new UserError(file + " line " + headerLine + ": a header and no rows");
        return new Result(rows, skipped);
    }

    /** The first line of commons-csv's message, less its own position (we report the row's start). */
    private static String csvMessage(RuntimeException e) {
        Throwable t = e.getCause() != null ? e.getCause() : e;
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        if (nl >= 0) m = m.substring(0, nl);
        int at = m.indexOf(" at line");
        if (at < 0) at = m.indexOf(" (line");
        return (at > 0 ? m.substring(0, at) : m).strip();
    }

    /** Offsets where each physical line starts; index i is line i+1. */
    static int[] lineStarts(String s) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') starts.add(i + 1);
            else if (c == '\r' && (i + 1 >= s.length() || s.charAt(i + 1) != '\n')) starts.add(i + 1);
        }
        if (starts.size() > 1 && starts.get(starts.size() - 1) == s.length()) starts.remove(starts.size() - 1);
        int[] a = new int[starts.size()];
        for (int i = 0; i < a.length; i++) a[i] = starts.get(i);
        return a;
    }

    private static int nextNonBlank(String s, int[] lineStart, int line) {
        while (line <= lineStart.length) {
            int a = lineStart[line - 1];
            int b = line < lineStart.length ? lineStart[line] : s.length();
            if (!s.substring(a, b).isBlank()) return line;
            line++;
        }
        return line;
    }

    // ---- JSONL --------------------------------------------------------------------------------------

    private static Result readJsonl(String file, String content, String textColumn, String labelColumn, boolean skip) {
        List<RawRow> rows = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        String[] lines = content.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) continue;
            int lineNo = i + 1;
            String problem = null;
            RawRow row = null;
            try {
                JsonNode n = JSON.readTree(line);
                if (n == null || !n.isObject()) {
                    problem = "expected a JSON object";
                } else if (!n.path(textColumn).isTextual()) {
                    problem = n.has(textColumn) ? "'" + textColumn + "' is not a string" : "missing key '" + textColumn + "'";
                } else if (labelColumn != null && !(n.path(labelColumn).isTextual() || n.path(labelColumn).isIntegralNumber())) {
                    problem = n.has(labelColumn) ? "'" + labelColumn + "' is neither a string nor an integer"
                            : "missing key '" + labelColumn + "'";
                } else {
                    String label = labelColumn == null ? null : n.get(labelColumn).asText().strip();
                    if (label != null && label.isEmpty()) problem = "empty label";
                    else row = new RawRow(n.get(textColumn).asText(), label, lineNo);
                }
            } catch (JsonProcessingException e) {
                problem = "invalid JSON (" + e.getOriginalMessage() + ")";
            }
            if (problem != null) {
                if (!skip) throw new UserError(file + " line " + lineNo + ": " + problem);
                skipped.add(file + " line " + lineNo + ": " + problem);
                continue;
            }
            rows.add(row);
        }
        return new Result(rows, skipped);
    }
}
