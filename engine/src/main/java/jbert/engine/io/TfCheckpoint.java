package jbert.engine.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A TensorFlow checkpoint in the tensor-bundle format (tensorflow/core/util/tensor_bundle), read
 * without TensorFlow, every byte checked before it is trusted.
 *
 * <p>A checkpoint {@code PREFIX} is two kinds of files:
 * <ul>
 *   <li>{@code PREFIX.index}: a LevelDB-format table (an SSTable). Its keys are variable names; the
 *       value of the empty key is a {@code BundleHeaderProto} (number of shards, endianness), every
 *       other value a {@code BundleEntryProto} (dtype, shape, shard, offset, size, masked CRC32C).</li>
 *   <li>{@code PREFIX.data-00000-of-0000N}: the tensors' raw bytes, little-endian, back to back.</li>
 * </ul>
 *
 * <p>The table (leveldb doc/table_format.md): data blocks, a metaindex block, an index block, and a
 * 48-byte footer at the end: two block handles (varint64 offset and size each) padded to 40 bytes,
 * then the 8-byte magic {@code 0xdb4775248b80fb57}. Each block is followed by a 5-byte trailer: its
 * compression type (0 = none) and the masked CRC32C of the block and that type byte. A block is a run
 * of entries {@code varint32 shared, varint32 unshared, varint32 value_length, key suffix, value}
 * (each key shares {@code shared} bytes with the previous one), then {@code uint32} restart offsets
 * (entries stored with {@code shared = 0}) and their {@code uint32} count. The index block maps a key
 * at or after each data block's last key to that block's handle.
 *
 * <p>Checked on open: the footer magic; every block's bounds, trailer type and masked CRC32C; the
 * block structure (restart points, key prefixes within bounds, keys strictly increasing); the header
 * (little-endian, shard count); every entry's dtype, shape, shard and byte range against the data
 * file. Checked on read: the tensor's masked CRC32C.
 */
public final class TfCheckpoint implements AutoCloseable {

    private static final long MAGIC = 0xdb4775248b80fb57L;
    private static final int FOOTER_BYTES = 48;
    private static final int BLOCK_TRAILER_BYTES = 5;

    /** tensorflow/core/framework/types.proto: the DataType numbers we can size (and, for floats, read). */
    public static final int DT_FLOAT = 1, DT_DOUBLE = 2, DT_INT32 = 3, DT_UINT8 = 4, DT_INT16 = 5, DT_INT8 = 6,
            DT_STRING = 7, DT_INT64 = 9, DT_BOOL = 10, DT_BFLOAT16 = 14, DT_HALF = 19;

    /** One variable as the index describes it (shape in TF's layout). */
    public record Entry(String name, int dtype, int[] shape, int shardId, long offset, long size, int maskedCrc32c) {}

    private final Path index;
    private final Arena arena;
    private final MemorySegment[] shards;
    private final Path[] shardFiles;
    private final Map<String, Entry> entries;

    private TfCheckpoint(Path index, Arena arena, MemorySegment[] shards, Path[] shardFiles, Map<String, Entry> entries) {
        this.index = index;
        this.arena = arena;
        this.shards = shards;
        this.shardFiles = shardFiles;
        this.entries = entries;
    }

    // ---- locating ---------------------------------------------------------------------------------

    /**
     * Opens a checkpoint given as a SavedModel folder ({@code variables/variables.index}), a folder
     * with exactly one {@code *.index} file (Google's {@code bert_model.ckpt.index}), an
     * {@code .index} file, or the prefix itself.
     */
    public static TfCheckpoint open(Path path) {
        return openPrefix(findPrefix(path));
    }

    /** The checkpoint prefix for {@link #open}'s argument, or a {@link ModelFormatException}. */
    public static Path findPrefix(Path path) {
        if (Files.isDirectory(path)) {
            Path saved = path.resolve("variables").resolve("variables.index");
            if (Files.isRegularFile(saved)) return stripIndex(saved);
            List<Path> found;
            try (Stream<Path> s = Files.list(path)) {
                found = s.filter(p -> p.getFileName().toString().endsWith(".index") && Files.isRegularFile(p)).sorted().toList();
            } catch (IOException e) {
                throw ModelFormatException.in(path, "cannot list folder (" + e.getMessage() + ")");
            }
            if (found.isEmpty()) throw ModelFormatException.in(path, "no TensorFlow checkpoint (*.index or variables/variables.index)");
            if (found.size() > 1) throw ModelFormatException.in(path, "several checkpoints " + found + ": name one *.index file");
            return stripIndex(found.get(0));
        }
        if (path.getFileName().toString().endsWith(".index")) return stripIndex(path);
        return path;
    }

    /** Whether {@code dir} looks like a TF checkpoint folder. */
    public static boolean isCheckpointFolder(Path dir) {
        try {
            findPrefix(dir);
            return true;
        } catch (ModelFormatException e) {
            return false;
        }
    }

    private static Path stripIndex(Path indexFile) {
        String n = indexFile.getFileName().toString();
        return indexFile.resolveSibling(n.substring(0, n.length() - ".index".length()));
    }

    private static TfCheckpoint openPrefix(Path prefix) {
        Path index = prefix.resolveSibling(prefix.getFileName() + ".index");
        byte[] table;
        try {
            table = Files.readAllBytes(index);
        } catch (java.nio.file.NoSuchFileException e) {
            throw ModelFormatException.in(index, "no such file");
        } catch (IOException e) {
            throw ModelFormatException.in(index, "cannot read (" + e.getMessage() + ")");
        }
        Map<String, byte[]> kv = new TableReader(index, table).readAll();

        byte[] headerBytes = kv.get("");
        if (headerBytes == null) throw ModelFormatException.in(index, "no BundleHeaderProto (the entry with the empty key)");
        int numShards = parseHeader(index, headerBytes);

        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : kv.entrySet()) {
            if (e.getKey().isEmpty()) continue;
            entries.put(e.getKey(), parseEntry(index, e.getKey(), e.getValue(), numShards));
        }

        Arena arena = Arena.ofShared();
        try {
            MemorySegment[] shards = new MemorySegment[numShards];
            Path[] files = new Path[numShards];
            for (int i = 0; i < numShards; i++) {
                files[i] = prefix.resolveSibling(String.format("%s.data-%05d-of-%05d", prefix.getFileName(), i, numShards));
                if (!Files.isRegularFile(files[i])) {
                    throw ModelFormatException.in(index, "data shard " + files[i].getFileName() + " does not exist");
                }
                try (FileChannel ch = FileChannel.open(files[i], StandardOpenOption.READ)) {
                    shards[i] = ch.size() == 0 ? MemorySegment.NULL.reinterpret(0)
                            : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                }
            }
            for (Entry e : entries.values()) {
                long shardBytes = shards[e.shardId()].byteSize();
                if (e.offset() < 0 || e.size() < 0 || e.offset() + e.size() > shardBytes) {
                    throw ModelFormatException.tensor(files[e.shardId()], e.name(), "bytes [" + e.offset() + ", "
                            + (e.offset() + e.size()) + ") lie beyond the end of the file (" + shardBytes + " bytes): truncated");
                }
            }
            return new TfCheckpoint(index, arena, shards, files, Collections.unmodifiableMap(entries));
        } catch (IOException e) {
            arena.close();
            throw ModelFormatException.in(prefix, "cannot read data (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    // ---- the table ----------------------------------------------------------------------------------

    /** Reads every key/value of a LevelDB-format table held in memory. */
    static final class TableReader {
        private final Path file;
        private final byte[] b;

        TableReader(Path file, byte[] bytes) {
            this.file = file;
            this.b = bytes;
        }

        Map<String, byte[]> readAll() {
            if (b.length < FOOTER_BYTES) throw ModelFormatException.in(file, "truncated: " + b.length + " bytes, shorter than the table footer");
            int footer = b.length - FOOTER_BYTES;
            long magic = le64(b, b.length - 8);
            if (magic != MAGIC) {
                throw ModelFormatException.in(file, "bad table magic 0x" + Long.toHexString(magic) + " (expected 0xdb4775248b80fb57): not a TF checkpoint index");
            }
            int[] pos = {footer};
            long metaOff = varint(pos, b.length - 8), metaSize = varint(pos, b.length - 8);
            long indexOff = varint(pos, b.length - 8), indexSize = varint(pos, b.length - 8);
            block(metaOff, metaSize, "metaindex");   // checked, then unused: the bundle writes no meta blocks
            byte[] indexBlock = block(indexOff, indexSize, "index");

            Map<String, byte[]> out = new LinkedHashMap<>();
            String[] last = {null};
            for (byte[][] kv : entries(indexBlock, "index")) {
                int[] p = {0};
                long off = varint(kv[1], p), size = varint(kv[1], p);
                byte[] data = block(off, size, "data block at " + off);
                for (byte[][] e : entries(data, "data block at " + off)) {
                    String key = new String(e[0], StandardCharsets.UTF_8);
                    if (last[0] != null && compare(last[0].getBytes(StandardCharsets.UTF_8), e[0]) >= 0) {
                        throw ModelFormatException.in(file, "keys out of order at '" + key + "' (after '" + last[0] + "')");
                    }
                    last[0] = key;
                    out.put(key, e[1]);
                }
            }
            return out;
        }

        /** The contents of a block, after checking its bounds, compression type and masked CRC32C. */
        private byte[] block(long off, long size, String what) {
            // Blocks and their trailers lie before the footer.
            if (off < 0 || size < 0 || off + size + BLOCK_TRAILER_BYTES > b.length - FOOTER_BYTES) {
                throw ModelFormatException.in(file, what + " [" + off + ", +" + size + "] lies beyond the table's blocks: truncated");
            }
            int o = (int) off, n = (int) size;
            int type = b[o + n] & 0xff;
            int stored = (int) le32(b, o + n + 1);
            int actual = Crc32c.of(b, o, n + 1);   // the CRC covers the block and its type byte
            if (Crc32c.unmask(stored) != actual) {
                throw ModelFormatException.in(file, what + ": CRC32C mismatch (stored 0x" + Integer.toHexString(Crc32c.unmask(stored))
                        + ", computed 0x" + Integer.toHexString(actual) + "): the file is corrupt");
            }
            if (type != 0) {
                throw ModelFormatException.in(file, what + ": compression type " + type + " is not supported (TF bundles are uncompressed)");
            }
            return Arrays.copyOfRange(b, o, o + n);
        }

        /** The key/value pairs of a block, with prefix-compressed keys expanded. */
        private List<byte[][]> entries(byte[] blk, String what) {
            if (blk.length < 4) throw ModelFormatException.in(file, what + ": block of " + blk.length + " bytes has no restart count");
            long numRestarts = le32(blk, blk.length - 4);
            long restartsAt = blk.length - 4 - 4 * numRestarts;
            if (numRestarts < 1 || restartsAt < 0) {
                throw ModelFormatException.in(file, what + ": bad restart count " + numRestarts);
            }
            Set<Integer> restarts = new HashSet<>();
            for (int i = 0; i < numRestarts; i++) {
                long r = le32(blk, (int) restartsAt + 4 * i);
                if (r > restartsAt) throw ModelFormatException.in(file, what + ": restart offset " + r + " lies beyond the entries");
                restarts.add((int) r);
            }
            List<byte[][]> out = new ArrayList<>();
            byte[] prev = new byte[0];
            int[] p = {0};
            int limit = (int) restartsAt;
            while (p[0] < limit) {
                int at = p[0];
                long shared = varint(blk, p, limit), unshared = varint(blk, p, limit), valueLen = varint(blk, p, limit);
                if (restarts.contains(at) && shared != 0) {
                    throw ModelFormatException.in(file, what + ": entry at restart point " + at + " shares a key prefix");
                }
                if (shared > prev.length || p[0] + unshared + valueLen > limit) {
                    throw ModelFormatException.in(file, what + ": entry at " + at + " runs past the block");
                }
                byte[] key = Arrays.copyOf(prev, (int) (shared + unshared));
                System.arraycopy(blk, p[0], key, (int) shared, (int) unshared);
                p[0] += (int) unshared;
                byte[] value = Arrays.copyOfRange(blk, p[0], p[0] + (int) valueLen);
                p[0] += (int) valueLen;
                out.add(new byte[][]{key, value});
                prev = key;
            }
            return out;
        }

        private long varint(int[] pos, int limit) { return varint(b, pos, limit); }

        private long varint(byte[] a, int[] pos) { return varint(a, pos, a.length); }

        private long varint(byte[] a, int[] pos, int limit) {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos[0] >= limit) throw ModelFormatException.in(file, "truncated varint at byte " + pos[0]);
                int x = a[pos[0]++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) return v;
            }
            throw ModelFormatException.in(file, "varint longer than 10 bytes at byte " + pos[0]);
        }
    }

    private static int compare(byte[] x, byte[] y) { return Arrays.compareUnsigned(x, y); }

    static long le32(byte[] a, int i) {
        return (a[i] & 0xffL) | (a[i + 1] & 0xffL) << 8 | (a[i + 2] & 0xffL) << 16 | (a[i + 3] & 0xffL) << 24;
    }

    static long le64(byte[] a, int i) { return le32(a, i) | le32(a, i + 4) << 32; }

    // ---- the protobufs ------------------------------------------------------------------------------

    /**
     * Protobuf wire format, the four wire types a bundle uses: a field is a varint tag
     * {@code (number << 3) | type}; type 0 is a varint, 1 eight bytes, 2 a varint length then that
     * many bytes (strings and nested messages), 5 four bytes. Unknown fields are skipped.
     */
    private static final class Proto {
        final byte[] b;
        int pos;
        final int end;
        final Path file;
        final String what;

        Proto(byte[] b, int from, int to, Path file, String what) {
            this.b = b; this.pos = from; this.end = to; this.file = file; this.what = what;
        }

        boolean more() { return pos < end; }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw bad("truncated varint");
                int x = b[pos++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) return v;
            }
            throw bad("varint longer than 10 bytes");
        }

        long fixed32() {
            if (pos + 4 > end) throw bad("truncated fixed32");
            long v = le32(b, pos);
            pos += 4;
            return v;
        }

        /** The bounds [from, to) of a length-delimited field's payload; advances past it. */
        int[] bytes() {
            long n = varint();
            if (n < 0 || pos + n > end) throw bad("length-delimited field runs past the message");
            int[] r = {pos, pos + (int) n};
            pos += (int) n;
            return r;
        }

        void skip(int wireType) {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> { if (pos + 8 > end) throw bad("truncated fixed64"); pos += 8; }
                case 2 -> bytes();
                case 5 -> fixed32();
                default -> throw bad("unsupported wire type " + wireType);
            }
        }

        void expect(int wireType, int actual, int field) {
            if (wireType != actual) throw bad("field " + field + " has wire type " + actual + ", expected " + wireType);
        }

        ModelFormatException bad(String m) {
            return new ModelFormatException(file + ": " + what + ": malformed protobuf (" + m + ")");
        }
    }

    /** BundleHeaderProto { int32 num_shards = 1; Endianness endianness = 2; VersionDef version = 3; }. */
    private static int parseHeader(Path index, byte[] v) {
        Proto p = new Proto(v, 0, v.length, index, "BundleHeaderProto");
        long numShards = 1;   // proto3 default 0 would be meaningless; TF always writes it
        boolean seen = false;
        long endianness = 0;
        while (p.more()) {
            long tag = p.varint();
            int field = (int) (tag >>> 3), wire = (int) (tag & 7);
            switch (field) {
                case 1 -> { p.expect(0, wire, field); numShards = p.varint(); seen = true; }
                case 2 -> { p.expect(0, wire, field); endianness = p.varint(); }
                default -> p.skip(wire);
            }
        }
        if (!seen || numShards < 1 || numShards > 100_000) throw ModelFormatException.in(index, "BundleHeaderProto: bad num_shards " + numShards);
        if (endianness != 0) throw ModelFormatException.in(index, "BundleHeaderProto: big-endian bundles are not supported");
        return (int) numShards;
    }

    /**
     * BundleEntryProto { DataType dtype = 1; TensorShapeProto shape = 2; int32 shard_id = 3;
     * int64 offset = 4; int64 size = 5; fixed32 crc32c = 6; repeated TensorSliceProto slices = 7; }
     * with TensorShapeProto { repeated Dim dim = 2; bool unknown_rank = 3; } and
     * Dim { int64 size = 1; string name = 2; }.
     */
    private static Entry parseEntry(Path index, String name, byte[] v, int numShards) {
        Proto p = new Proto(v, 0, v.length, index, "entry " + name);
        int dtype = 0, shard = 0;
        long offset = 0, size = 0, crc = 0;
        List<Integer> dims = new ArrayList<>();
        while (p.more()) {
            long tag = p.varint();
            int field = (int) (tag >>> 3), wire = (int) (tag & 7);
            switch (field) {
                case 1 -> { p.expect(0, wire, field); dtype = (int) p.varint(); }
                case 2 -> {
                    p.expect(2, wire, field);
                    int[] r = p.bytes();
                    Proto s = new Proto(v, r[0], r[1], index, "entry " + name + " shape");
                    while (s.more()) {
                        long t = s.varint();
                        int f = (int) (t >>> 3), w = (int) (t & 7);
                        if (f == 2) {
                            s.expect(2, w, f);
                            int[] dr = s.bytes();
                            Proto d = new Proto(v, dr[0], dr[1], index, "entry " + name + " dim");
                            long dimSize = 0;
                            while (d.more()) {
                                long dt = d.varint();
                                int df = (int) (dt >>> 3), dw = (int) (dt & 7);
                                if (df == 1) { d.expect(0, dw, df); dimSize = d.varint(); } else d.skip(dw);
                            }
                            if (dimSize < 0 || dimSize > Integer.MAX_VALUE) {
                                throw ModelFormatException.tensor(index, name, "bad dimension " + dimSize);
                            }
                            dims.add((int) dimSize);
                        } else if (f == 3) {
                            s.expect(0, w, f);
                            if (s.varint() != 0) throw ModelFormatException.tensor(index, name, "shape of unknown rank");
                        } else {
                            s.skip(w);
                        }
                    }
                }
                case 3 -> { p.expect(0, wire, field); shard = (int) p.varint(); }
                case 4 -> { p.expect(0, wire, field); offset = p.varint(); }
                case 5 -> { p.expect(0, wire, field); size = p.varint(); }
                case 6 -> { p.expect(5, wire, field); crc = p.fixed32(); }
                case 7 -> throw ModelFormatException.tensor(index, name, "is a partitioned variable (slices); not supported");
                default -> p.skip(wire);
            }
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        if (shard < 0 || shard >= numShards) {
            throw ModelFormatException.tensor(index, name, "shard_id " + shard + " is not below num_shards " + numShards);
        }
        int bytes = dtypeBytes(dtype);
        if (bytes > 0 && size != HostTensorShapes.numel(shape) * bytes) {
            throw ModelFormatException.tensor(index, name, "size " + size + " bytes does not match dtype " + dtypeName(dtype)
                    + " x shape " + Arrays.toString(shape) + " = " + HostTensorShapes.numel(shape) * bytes);
        }
        if (bytes == 0 && dtype != DT_STRING) {
            throw ModelFormatException.tensor(index, name, "unknown dtype " + dtype);
        }
        return new Entry(name, dtype, shape, shard, offset, size, (int) crc);
    }

    static int dtypeBytes(int dtype) {
        return switch (dtype) {
            case DT_FLOAT, DT_INT32 -> 4;
            case DT_DOUBLE, DT_INT64 -> 8;
            case DT_UINT8, DT_INT8, DT_BOOL -> 1;
            case DT_INT16, DT_BFLOAT16, DT_HALF -> 2;
            default -> 0;   // DT_STRING has no fixed size; anything else is unknown
        };
    }

    static String dtypeName(int dtype) {
        return switch (dtype) {
            case DT_FLOAT -> "float32"; case DT_DOUBLE -> "float64"; case DT_INT32 -> "int32"; case DT_UINT8 -> "uint8";
            case DT_INT16 -> "int16"; case DT_INT8 -> "int8"; case DT_STRING -> "string"; case DT_INT64 -> "int64";
            case DT_BOOL -> "bool"; case DT_BFLOAT16 -> "bfloat16"; case DT_HALF -> "float16";
            default -> "dtype " + dtype;
        };
    }

    // ---- reading ----------------------------------------------------------------------------------

    public Path indexFile() { return index; }

    /** Every variable, in key order, optimizer slots included. */
    public Map<String, Entry> entries() { return entries; }

    public Entry entry(String tfName) {
        Entry e = entries.get(tfName);
        if (e == null) throw ModelFormatException.tensor(index, tfName, "not in this checkpoint");
        return e;
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Reads a floating-point variable as float32 in TF's layout, after checking its masked CRC32C. */
    public HostTensor readRaw(String tfName) {
        Entry e = entry(tfName);
        MemorySegment seg = shards[e.shardId()];
        Path file = shardFiles[e.shardId()];
        int actual = Crc32c.of(seg, e.offset(), e.size());
        if (Crc32c.unmask(e.maskedCrc32c()) != actual) {
            throw ModelFormatException.tensor(file, tfName, "CRC32C mismatch (index says 0x" + Integer.toHexString(Crc32c.unmask(e.maskedCrc32c()))
                    + ", data has 0x" + Integer.toHexString(actual) + "): the checkpoint is corrupt");
        }
        long numel = HostTensorShapes.numel(e.shape());
        if (numel > Integer.MAX_VALUE - 8) throw ModelFormatException.tensor(file, tfName, "too large for one Java array");
        int n = (int) numel;
        float[] out = new float[n];
        switch (e.dtype()) {
            case DT_FLOAT -> MemorySegment.copy(seg, F32, e.offset(), out, 0, n);
            case DT_HALF -> {
                short[] h = new short[n];
                MemorySegment.copy(seg, I16, e.offset(), h, 0, n);
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(h[i]);
            }
            case DT_BFLOAT16 -> {
                short[] h = new short[n];
                MemorySegment.copy(seg, I16, e.offset(), h, 0, n);
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((h[i] & 0xffff) << 16);
            }
            case DT_DOUBLE -> {
                double[] d = new double[n];
                MemorySegment.copy(seg, F64, e.offset(), d, 0, n);
                for (int i = 0; i < n; i++) out[i] = (float) d[i];
            }
            default -> throw ModelFormatException.tensor(file, tfName, dtypeName(e.dtype()) + " is not a floating-point type");
        }
        return new HostTensor(e.shape().clone(), out);
    }

    // ---- Hugging Face names -----------------------------------------------------------------------

    private static final Pattern SCOPE_WITH_INDEX = Pattern.compile("([A-Za-z]+)_(\\d+)");
    private static final Set<String> OPTIMIZER_SCOPES =
            Set.of("adam_v", "adam_m", "AdamWeightDecayOptimizer", "AdamWeightDecayOptimizer_1", "global_step");

    /**
     * HF's name for a TF variable, as transformers' {@code load_tf_weights_in_bert} maps it, or null for
     * variables that are not model weights (Adam slots, {@code global_step}):
     * scopes {@code layer_3} become {@code layer.3}; {@code kernel}, {@code gamma} and
     * {@code output_weights} become {@code weight}; {@code beta} and {@code output_bias} become
     * {@code bias}; {@code squad} becomes {@code classifier}; {@code *_embeddings} gain {@code .weight}.
     * A leading {@code module/} (TF Hub's scope) is dropped.
     * E.g. {@code bert/encoder/layer_0/attention/self/query/kernel} ->
     * {@code bert.encoder.layer.0.attention.self.query.weight}.
     */
    public static String hfName(String tfName) {
        String[] parts = tfName.split("/");
        for (String s : parts) if (OPTIMIZER_SCOPES.contains(s)) return null;
        int from = parts.length > 1 && parts[0].equals("module") ? 1 : 0;
        StringBuilder out = new StringBuilder();
        for (int i = from; i < parts.length; i++) {
            String s = parts[i];
            String mapped;
            Matcher m = SCOPE_WITH_INDEX.matcher(s);
            if (s.equals("kernel") || s.equals("gamma") || s.equals("output_weights")) mapped = "weight";
            else if (s.equals("beta") || s.equals("output_bias")) mapped = "bias";
            else if (s.equals("squad")) mapped = "classifier";
            else if (m.matches()) mapped = m.group(1) + "." + m.group(2);
            else mapped = s;
            if (out.length() > 0) out.append('.');
            out.append(mapped);
        }
        if (parts[parts.length - 1].endsWith("_embeddings")) out.append(".weight");
        return out.toString();
    }

    /** Whether HF transposes this variable: dense kernels are [in, out] in TF, [out, in] in torch. */
    public static boolean transposed(String tfName) { return tfName.endsWith("/kernel"); }

    /**
     * The checkpoint's model weights under HF names, kernels transposed, optimizer slots and
     * non-float variables left out. Tensors are read (and CRC-checked) when asked for.
     */
    public TensorSource hfView() {
        Map<String, String> hfToTf = new LinkedHashMap<>();
        for (Entry e : entries.values()) {
            String hf = hfName(e.name());
            if (hf == null || e.dtype() == DT_STRING || e.dtype() == DT_INT32 || e.dtype() == DT_INT64) continue;
            String clash = hfToTf.put(hf, e.name());
            if (clash != null) throw ModelFormatException.in(index, "variables " + clash + " and " + e.name() + " both map to " + hf);
        }
        Map<String, String> names = Collections.unmodifiableMap(hfToTf);
        return new TensorSource() {
            @Override public String origin() { return index.toString(); }
            @Override public Set<String> names() { return names.keySet(); }

            private String tf(String hf) {
                String t = names.get(hf);
                if (t == null) throw ModelFormatException.tensor(index, hf, "no TF variable maps to this name");
                return t;
            }

            @Override public int[] shape(String hf) {
                int[] s = entry(tf(hf)).shape().clone();
                if (transposed(tf(hf)) && s.length == 2) s = new int[]{s[1], s[0]};
                return s;
            }

            @Override public HostTensor read(String hf) {
                String t = tf(hf);
                HostTensor raw = readRaw(t);
                if (!transposed(t)) return raw;
                if (raw.rank() != 2) throw ModelFormatException.tensor(index, t, "kernel of rank " + raw.rank() + ", expected 2");
                return raw.transpose2d();
            }

            @Override public void close() { TfCheckpoint.this.close(); }
        };
    }

    @Override public void close() { if (arena.scope().isAlive()) arena.close(); }
}
