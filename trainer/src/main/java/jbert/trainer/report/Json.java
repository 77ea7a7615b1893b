package jbert.trainer.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import jbert.engine.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The JSON mapper of run files (snake_case keys, as HF's trainer_state.json) and atomic writes. */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** Writes {@code value} as JSON to a temp file beside {@code target}, then renames it over target. */
    public static void writeAtomically(Path target, Object value) throws IOException {
        writeAtomically(target, MAPPER.writeValueAsBytes(value));
    }

    /**
     * Writes bytes to a temp file beside {@code target}, forces them to disk, then renames
     * ({@link AtomicFiles}); a failure is the {@link IOException} that caused it.
     */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        try {
            AtomicFiles.write(target, bytes);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
