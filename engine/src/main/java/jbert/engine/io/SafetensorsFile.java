package jbert.engine.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped safetensors file, validated before anything in it is trusted.
 *
 * <p>The format (huggingface/safetensors): an unsigned 64-bit little-endian header length N, then N
 * bytes of UTF-8 JSON, then the data section. The JSON maps each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data section) and
 * may hold {@code "__metadata__"}, a map of strings. Checked on open:
 * <ul>
 *   <li>the file holds the 8-byte length, and N fits inside the file;</li>
 *   <li>the header is a JSON object with well-formed entries and no duplicate names;</li>
 *   <li>every dtype is known, and {@code end - begin == bytes(dtype) * product(shape)};</li>
 *   <li>sorted by begin, the tensors tile the data section exactly: the first starts at 0, each starts
 *       where the previous ended (no overlap, no gap), the last ends at the end of the file.</li>
 * </ul>
 * Checked on every read: a tensor whose CRC-32C the metadata records ({@code crc32c.NAME}, written by
 * {@link Safetensors#writeWithChecksums}, as checkpoints are) must still have it.
 * The mapping is released by {@link #close()}; tensors already read are copies and stay valid.
 */
public final class SafetensorsFile implements TensorSource {

    /** The format's own cap on the header (safetensors' MAX_HEADER_SIZE). */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** One header entry: where a tensor lies in the data section. */
    public record Entry(String name, SafetensorsDtype dtype, int[] shape, long begin, long end) {
        public long numel() { return HostTensorShapes.numel(shape); }
    }

    private final Path file;
    private final Arena arena;
    private final MemorySegment data;   // the data section only
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, Arena arena, MemorySegment data, Map<String, Entry> entries,
                            Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Maps and validates {@code file}; throws {@link ModelFormatException} naming the file and tensor. */
    public static SafetensorsFile open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw ModelFormatException.in(file, "truncated: " + size + " bytes, too short for the 8-byte header length");
            }
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n < 0 || n > size - 8) {
                throw ModelFormatException.in(file, "header length " + Long.toUnsignedString(n) + " goes beyond the end of the file ("
                        + size + " bytes): truncated or not a safetensors file");
            }
            if (n > MAX_HEADER_BYTES) {
                throw ModelFormatException.in(file, "header length " + n + " exceeds the format's limit of " + MAX_HEADER_BYTES);
            }
            byte[] header = all.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment dataSection = all.asSlice(8 + n);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Entry> entries = parseHeader(file, header, dataSection.byteSize(), metadata);
            return new SafetensorsFile(file, arena, dataSection, entries, metadata);
        } catch (NoSuchFileException e) {
            arena.close();
            throw ModelFormatException.in(file, "no such file");
        } catch (IOException e) {
            arena.close();
            throw ModelFormatException.in(file, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, Entry> parseHeader(Path file, byte[] header, long dataBytes, Map<String, String> metadata) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw ModelFormatException.in(file, "header is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (root == null || !root.isObject()) throw ModelFormatException.in(file, "header is not a JSON object");

        List<Entry> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw ModelFormatException.in(file, "__metadata__ is not a JSON object");
                v.fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) {
                        throw ModelFormatException.in(file, "__metadata__ value of '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            list.add(parseEntry(file, name, v));
        }

        // The tensors must tile [0, dataBytes) exactly: sort by begin and walk.
        List<Entry> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long pos = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.end() > dataBytes) {
                // The first tensor cut off by the end of the file is the one to name, not the last.
                throw ModelFormatException.tensor(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end()
                        + "] go past the end of the data section (" + dataBytes + " bytes): file truncated");
            }
            if (e.begin() < pos) {
                throw ModelFormatException.tensor(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap tensor " + prev.name() + " [" + prev.begin() + ", " + prev.end() + "]");
            }
            if (e.begin() > pos) {
                throw ModelFormatException.tensor(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end()
                        + "] leave a gap of " + (e.begin() - pos) + " bytes after "
                        + (prev == null ? "the start of the data" : "tensor " + prev.name() + " (ends at " + pos + ")"));
            }
            pos = e.end();
            prev = e;
        }
        if (pos != dataBytes) {
            throw ModelFormatException.in(file, "the tensors cover " + pos + " bytes but the data section has " + dataBytes
                    + " (" + (dataBytes - pos) + " bytes unaccounted for at the end)");
        }
        Map<String, Entry> byName = new LinkedHashMap<>();
        for (Entry e : list) byName.put(e.name(), e);
        return Collections.unmodifiableMap(byName);
    }

    private static Entry parseEntry(Path file, String name, JsonNode v) {
        if (!v.isObject()) throw ModelFormatException.tensor(file, name, "header entry is not a JSON object");
        JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw ModelFormatException.tensor(file, name, "missing or non-string dtype");
        SafetensorsDtype dtype = SafetensorsDtype.parse(dt.asText());
        if (dtype == null) throw ModelFormatException.tensor(file, name, "unknown dtype '" + dt.asText() + "'");
        if (sh == null || !sh.isArray()) throw ModelFormatException.tensor(file, name, "missing or non-array shape");
        int[] shape = new int[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
                throw ModelFormatException.tensor(file, name, "bad dimension " + d + " in shape " + sh);
            }
            shape[i] = d.asInt();
        }
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw ModelFormatException.tensor(file, name, "data_offsets must be two integers, got " + off);
        }
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw ModelFormatException.tensor(file, name, "data_offsets [" + begin + ", " + end + "] are not an interval");
        }
        long numel = HostTensorShapes.numel(shape);
        if (numel > Long.MAX_VALUE / 8 || end - begin != numel * dtype.bytes) {
            throw ModelFormatException.tensor(file, name, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but dtype " + dtype + " x shape " + Arrays.toString(shape) + " needs " + numel * dtype.bytes);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    // ---- queries ------------------------------------------------------------------------------

    public Path file() { return file; }

    @Override public String origin() { return file.toString(); }

    @Override public Set<String> names() { return entries.keySet(); }

    /** The header's {@code __metadata__} (empty when absent). */
    public Map<String, String> metadata() { return Collections.unmodifiableMap(metadata); }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw ModelFormatException.tensor(file, name, "not in this file");
        return e;
    }

    @Override public int[] shape(String name) { return entry(name).shape().clone(); }

    // ---- reading ------------------------------------------------------------------------------

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Reads a floating-point tensor as float32: F32 as is, F16 and BF16 widened (exactly), F64 rounded. */
    @Override
    public HostTensor read(String name) {
        Entry e = verified(name);
        int n = checkedCount(e);
        float[] out = new float[n];
        switch (e.dtype()) {
            case F32 -> MemorySegment.copy(data, F32, e.begin(), out, 0, n);
            case F16 -> {
                short[] h = new short[n];
                MemorySegment.copy(data, I16, e.begin(), h, 0, n);
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(h[i]);
            }
            case BF16 -> {
                // bfloat16 is the top half of a float32: shift its bits into place.
                short[] h = new short[n];
                MemorySegment.copy(data, I16, e.begin(), h, 0, n);
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((h[i] & 0xffff) << 16);
            }
            case F64 -> {
                double[] d = new double[n];
                MemorySegment.copy(data, F64, e.begin(), d, 0, n);
                for (int i = 0; i < n; i++) out[i] = (float) d[i];
            }
            default -> throw ModelFormatException.tensor(file, name, "dtype " + e.dtype() + " is not a floating-point type");
        }
        return new HostTensor(e.shape().clone(), out);
    }

    /** Reads a floating-point tensor in double precision (F64 exactly; narrower floats widened). */
    public double[] readDoubles(String name) {
        Entry e = verified(name);
        if (e.dtype() == SafetensorsDtype.F64) {
            double[] d = new double[checkedCount(e)];
            MemorySegment.copy(data, F64, e.begin(), d, 0, d.length);
            return d;
        }
        float[] f = read(name).data();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Reads an integer or boolean tensor (token ids, masks) as longs. */
    public long[] readLongs(String name) {
        Entry e = verified(name);
        int n = checkedCount(e);
        long[] out = new long[n];
        long p = e.begin();
        for (int i = 0; i < n; i++, p += e.dtype().bytes) {
            out[i] = switch (e.dtype()) {
                case BOOL, U8 -> data.get(ValueLayout.JAVA_BYTE, p) & 0xff;
                case I8 -> data.get(ValueLayout.JAVA_BYTE, p);
                case I16 -> data.get(I16, p);
                case U16 -> data.get(I16, p) & 0xffff;
                case I32 -> data.get(I32, p);
                case U32 -> data.get(I32, p) & 0xffffffffL;
                case I64, U64 -> data.get(I64, p);
                default -> throw ModelFormatException.tensor(file, name, "dtype " + e.dtype() + " is not an integer type");
            };
        }
        return out;
    }

    /**
     * The tensor's entry, after checking its bytes against the CRC-32C its writer recorded
     * ({@link Safetensors#writeWithChecksums}); a file without checksums is read as it is.
     */
    private Entry verified(String name) {
        Entry e = entry(name);
        String stored = metadata.get(Safetensors.checksumKey(name));
        if (stored != null) {
            String actual = HexFormat.of().toHexDigits(Crc32c.of(data, e.begin(), e.end() - e.begin()));
            if (!actual.equals(stored)) {
                throw ModelFormatException.tensor(file, name, "CRC32C " + actual + ", but the header records " + stored
                        + ": the data is corrupted");
            }
        }
        return e;
    }

    /** Checks every tensor that has a recorded checksum, without reading any into memory. */
    public void verifyChecksums() {
        for (String name : entries.keySet()) verified(name);
    }

    private int checkedCount(Entry e) {
        long n = e.numel();
        if (n > Integer.MAX_VALUE - 8) throw ModelFormatException.tensor(file, e.name(), "too large for one Java array");
        return (int) n;
    }

    @Override public void close() { if (arena.scope().isAlive()) arena.close(); }

    @Override public String toString() { return "SafetensorsFile(" + file + ", " + entries.size() + " tensors)"; }
}
