package jbert.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * Opening (single file or sharded) and writing safetensors files.
 *
 * <p>Written files follow what {@code safetensors.torch.save_file} produces, so Python loads them
 * unchanged: float32 tensors under their HF names, sorted by name, {@code __metadata__}
 * {@code {"format": "pt"}}, and the JSON header padded with spaces so the data section starts at a
 * multiple of 8 bytes.
 */
public final class Safetensors {
    private Safetensors() {}

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Opens the weights at {@code path}: a {@code .safetensors} file, a {@code .index.json} shard index,
     * or a folder holding {@code model.safetensors} or {@code model.safetensors.index.json}.
     */
    public static TensorSource open(Path path) {
        if (Files.isDirectory(path)) {
            Path single = path.resolve(SINGLE_FILE), index = path.resolve(INDEX_FILE);
            if (Files.isRegularFile(single)) return SafetensorsFile.open(single);
            if (Files.isRegularFile(index)) return ShardedSafetensors.open(index);
            throw ModelFormatException.in(path, "no weights: neither " + SINGLE_FILE + " nor " + INDEX_FILE);
        }
        if (path.getFileName().toString().endsWith(".index.json")) return ShardedSafetensors.open(path);
        return SafetensorsFile.open(path);
    }

    /** Writes tensors in memory; see {@link #write(Path, Map, Function, Map)}. */
    public static void write(Path file, Map<String, HostTensor> tensors) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        tensors.forEach((k, v) -> shapes.put(k, v.shape()));
        write(file, shapes, k -> tensors.get(k).data(), Map.of("format", "pt"));
    }

    /**
     * Writes a float32 safetensors file atomically (a temp file in the same folder, flushed to disk,
     * then renamed over {@code file}). Tensor data is asked for one tensor at a time through
     * {@code data}, so a converter never holds more than one tensor beyond the source.
     */
    public static void write(Path file, Map<String, int[]> shapes, Function<String, float[]> data,
                             Map<String, String> metadata) {
        write(file, shapes, data, metadata, false);
    }

    /**
     * Writes like {@link #write(Path, Map, Function, Map)} and records each tensor's CRC-32C (of its
     * bytes in the data section) in the metadata, as {@code "crc32c.NAME": "8 hex digits"}.
     * {@link SafetensorsFile} checks it on every read of that tensor, so a checkpoint with a flipped bit
     * is refused, naming the tensor, instead of trained on. The sums are taken as the data streams out
     * and the header is written again at the end (the same length: the digits are fixed-width), so no
     * tensor is read twice. Other readers see plain string metadata.
     */
    public static void writeWithChecksums(Path file, Map<String, int[]> shapes, Function<String, float[]> data,
                                          Map<String, String> metadata) {
        write(file, shapes, data, metadata, true);
    }

    /** The metadata key of a tensor's CRC-32C ({@link #writeWithChecksums}). */
    static String checksumKey(String tensor) { return "crc32c." + tensor; }

    private static void write(Path file, Map<String, int[]> shapes, Function<String, float[]> data,
                              Map<String, String> metadata, boolean checksums) {
        TreeMap<String, int[]> sorted = new TreeMap<>(shapes);
        // Checksums start as zeros, the placeholders the final header overwrites.
        Map<String, Integer> crcs = checksums ? new LinkedHashMap<>() : null;
        if (checksums) sorted.keySet().forEach(k -> crcs.put(k, 0));
        byte[] headerBytes = header(sorted, metadata, crcs);

        AtomicFiles.write(file, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerBytes.length);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(headerBytes));
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, int[]> e : sorted.entrySet()) {
                float[] values = data.apply(e.getKey());
                long expected = HostTensorShapes.numel(e.getValue());
                if (values.length != expected) {
                    throw new IllegalArgumentException("tensor " + e.getKey() + ": " + values.length
                            + " floats for shape " + Arrays.toString(e.getValue()));
                }
                CRC32C crc = checksums ? new CRC32C() : null;
                for (int i = 0; i < values.length; ) {
                    int n = Math.min(values.length - i, buf.capacity() / 4);
                    buf.clear();
                    buf.asFloatBuffer().put(values, i, n);
                    buf.limit(n * 4);
                    writeFully(ch, buf);
                    if (crc != null) crc.update(buf.flip()); // the bytes just written, still in the buffer
                    i += n;
                }
                if (crc != null) crcs.put(e.getKey(), (int) crc.getValue());
            }
            if (checksums) {
                byte[] summed = header(sorted, metadata, crcs);
                if (summed.length != headerBytes.length) throw new IllegalStateException("the checksummed header changed length");
                ByteBuffer h = ByteBuffer.wrap(summed);
                for (long pos = 8; h.hasRemaining(); ) pos += ch.write(h, pos);
            }
        });
    }

    /**
     * The JSON header: metadata (and the checksums, when {@code crcs} is not null), then each tensor's
     * dtype, shape and offsets, padded with spaces (valid JSON whitespace) so that 8 + its length is a
     * multiple of 8.
     */
    private static byte[] header(TreeMap<String, int[]> sorted, Map<String, String> metadata, Map<String, Integer> crcs) {
        ObjectNode header = JSON.createObjectNode();
        if ((metadata != null && !metadata.isEmpty()) || crcs != null) {
            ObjectNode m = header.putObject("__metadata__");
            if (metadata != null) metadata.forEach(m::put);
            if (crcs != null) crcs.forEach((k, crc) -> m.put(checksumKey(k), HexFormat.of().toHexDigits(crc)));
        }
        long offset = 0;
        for (Map.Entry<String, int[]> e : sorted.entrySet()) {
            long bytes = HostTensorShapes.numel(e.getValue()) * 4;
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var sh = t.putArray("shape");
            for (int d : e.getValue()) sh.add(d);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (int) ((json.length + 7L) / 8 * 8);
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        return headerBytes;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /**
     * Writes a sharded checkpoint: {@code model-0000i-of-0000n.safetensors} files of at most
     * {@code maxShardBytes} each and {@code model.safetensors.index.json}, like HF's
     * {@code save_pretrained(max_shard_size=...)}. Each file is written atomically; the index last.
     */
    public static void writeSharded(Path dir, Map<String, HostTensor> tensors, long maxShardBytes) {
        List<Map<String, HostTensor>> shards = new ArrayList<>();
        Map<String, HostTensor> current = new LinkedHashMap<>();
        long currentBytes = 0, total = 0;
        for (Map.Entry<String, HostTensor> e : new TreeMap<>(tensors).entrySet()) {
            long bytes = e.getValue().size() * 4;
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += bytes;
            total += bytes;
        }
        if (!current.isEmpty()) shards.add(current);
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            write(dir.resolve(name), shards.get(i));
            for (String k : shards.get(i).keySet()) map.put(k, name);
        }
        try {
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index).getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(dir.resolve(INDEX_FILE), bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a JSON file, turning syntax errors into one-line {@link ModelFormatException}s. */
    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(Files.readAllBytes(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw ModelFormatException.in(file, "no such file");
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            int nl = m.indexOf('\n');
            throw ModelFormatException.in(file, "not valid JSON (" + (nl < 0 ? m : m.substring(0, nl)) + ")");
        }
    }

    static ObjectMapper mapper() { return JSON; }
}
