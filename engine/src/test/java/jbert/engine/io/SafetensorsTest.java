package jbert.engine.io;

import jbert.engine.SharedFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {
    @TempDir Path dir;

    static HostTensor random(Random r, int... shape) {
        float[] d = new float[(int) jbert.engine.Tensor.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return new HostTensor(shape, d);
    }

    /** A file with a hand-written header and {@code dataBytes} bytes of data. */
    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private static String rejected(Path p) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void roundTripIsBitExactAndHeaderIsAligned() throws IOException {
        Random r = new Random(1);
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("b.weight", random(r, 3, 5));
        m.put("a.bias", random(r, 3));
        m.put("c.empty", new HostTensor(new int[]{0, 4}, new float[0]));
        m.put("d.scalar", new HostTensor(new int[]{}, new float[]{Float.NaN}));
        Path p = dir.resolve("model.safetensors");
        Safetensors.write(p, m);
        byte[] bytes = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(java.util.List.of("a.bias", "b.weight", "c.empty", "d.scalar"), java.util.List.copyOf(f.names()));
            for (var e : m.entrySet()) assertEquals(e.getValue(), f.read(e.getKey()), e.getKey());
        }
        // No temp file left beside it.
        try (var s = Files.list(dir)) { assertEquals(1, s.count()); }
    }

    @Test
    void widensF16AndBf16AndNarrowsF64() throws IOException {
        // F16 1.5 = 0x3E00, -2 = 0xC000; BF16 1.5 = 0x3FC0, -2 = 0xC000; F64 0.25.
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]}}";
        Path p = raw(header, 24);
        byte[] all = Files.readAllBytes(p);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int base = all.length - 24;
        b.putShort(base, (short) 0x3E00).putShort(base + 2, (short) 0xC000);
        b.putShort(base + 4, (short) 0x3FC0).putShort(base + 6, (short) 0xC000);
        b.putDouble(base + 8, 0.25).putLong(base + 16, 30521L);
        Files.write(p, all);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[]{1.5f, -2f}, f.read("h").data());
            assertArrayEquals(new float[]{1.5f, -2f}, f.read("b").data());
            assertArrayEquals(new float[]{0.25f}, f.read("d").data());
            assertArrayEquals(new long[]{30521L}, f.readLongs("i"));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> f.read("i"));
            assertTrue(e.getMessage().contains("tensor i"), e.getMessage());
        }
    }

    @Test
    void rejectsTruncatedFiles() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[]{1, 2, 3});
        assertTrue(rejected(p).contains("truncated"));

        Random r = new Random(2);
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, Map.of("w", random(r, 4, 4)));
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 5));
        String m = rejected(cut);
        assertTrue(m.contains("tensor w") && m.contains("truncated"), m);
    }

    @Test
    void truncationNamesTheFirstTensorCut() throws IOException {
        Random r = new Random(4);
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("a", random(r, 8));
        m.put("b", random(r, 8));
        m.put("c", random(r, 8));
        Path good = dir.resolve("three.safetensors");
        Safetensors.write(good, m);
        byte[] bytes = Files.readAllBytes(good);
        // The data ends with a, b, c of 32 bytes each (sorted by name): cut 40 bytes, in the middle of b.
        Path cut = dir.resolve("cut3.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 40));
        String msg = rejected(cut);
        assertTrue(msg.startsWith(cut + ": tensor b: data_offsets [32, 64] go past the end") && msg.endsWith("file truncated"), msg);
    }

    /**
     * writeWithChecksums records each tensor's CRC-32C of its bytes in the file (little-endian float32,
     * recomputed here with java.util.zip.CRC32C), and a read of a tensor whose bytes changed names it.
     * Tensor "big" spans two of the writer's 4 MB buffers.
     */
    @Test
    void checksumsCatchAChangedByteAndNameItsTensor() throws IOException {
        Random r = new Random(3);
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("big", random(r, 1_100_000));
        m.put("small", random(r, 4, 3));
        Map<String, int[]> shapes = new LinkedHashMap<>();
        m.forEach((k, t) -> shapes.put(k, t.shape()));
        Path p = dir.resolve("checked.safetensors");
        Safetensors.writeWithChecksums(p, shapes, k -> m.get(k).data(), Map.of("format", "pt"));
        long smallBegin;
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals("pt", f.metadata().get("format"));
            for (var e : m.entrySet()) {
                ByteBuffer le = ByteBuffer.allocate(e.getValue().data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                le.asFloatBuffer().put(e.getValue().data());
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(le.array());
                assertEquals(String.format("%08x", crc.getValue()), f.metadata().get("crc32c." + e.getKey()), e.getKey());
                assertEquals(e.getValue(), f.read(e.getKey()), e.getKey());
            }
            f.verifyChecksums();
            smallBegin = f.entry("small").begin();
        }
        byte[] bytes = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        bytes[(int) (8 + n + smallBegin + 5)] ^= 0x01;
        Files.write(p, bytes);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(m.get("big"), f.read("big"), "the other tensors still read");
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> f.read("small"));
            assertTrue(e.getMessage().startsWith(p + ": tensor small: CRC32C ") && e.getMessage().endsWith("the data is corrupted"),
                    e.getMessage());
            assertThrows(ModelFormatException.class, f::verifyChecksums);
        }
    }

    @Test
    void rejectsHeaderBeyondFile() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).putLong(0);
        Path p = dir.resolve("long.safetensors");
        Files.write(p, b.array());
        assertTrue(rejected(p).contains("header length 1000 goes beyond the end of the file"));
    }

    @Test
    void rejectsCorruptHeaderJson() throws IOException {
        assertTrue(rejected(raw("{\"w\": {\"dtype\": \"F32\",", 0)).contains("not valid JSON"));
        assertTrue(rejected(raw("[1, 2]", 0)).contains("not a JSON object"));
        String dup = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertTrue(rejected(raw(dup, 8)).contains("not valid JSON"));
    }

    @Test
    void rejectsOverlapAndGap() throws IOException {
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        String m = rejected(raw(overlap, 12));
        assertTrue(m.contains("tensor b") && m.contains("overlap tensor a"), m);

        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        m = rejected(raw(gap, 12));
        assertTrue(m.contains("tensor b") && m.contains("gap of 4 bytes"), m);

        String startGap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        m = rejected(raw(startGap, 8));
        assertTrue(m.contains("tensor a") && m.contains("gap"), m);

        String trailing = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertTrue(rejected(raw(trailing, 12)).contains("8 bytes unaccounted"));
    }

    @Test
    void rejectsSizeNotMatchingDtypeTimesShape() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}";
        String m = rejected(raw(h, 20));
        assertTrue(m.contains("tensor w") && m.contains("hold 20 bytes") && m.contains("needs 24"), m);
        String bf = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,12]}}";
        assertTrue(rejected(raw(bf, 12)).contains("needs 6"));
        String negative = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}";
        assertTrue(rejected(raw(negative, 4)).contains("bad dimension"));
        String badOffsets = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}";
        assertTrue(rejected(raw(badOffsets, 4)).contains("data_offsets must be two integers"));
    }

    @Test
    void rejectsUnknownDtype() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}";
        String m = rejected(raw(h, 16));
        assertTrue(m.contains("tensor w: unknown dtype 'F128'"), m);
    }

    @Test
    void shardedCheckpointReadsAcrossShards() throws IOException {
        Random r = new Random(3);
        Map<String, HostTensor> m = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) m.put("layer." + i + ".weight", random(r, 8, 8));
        Safetensors.writeSharded(dir, m, 600);
        assertTrue(Files.exists(dir.resolve("model-00001-of-00003.safetensors")));
        try (TensorSource s = Safetensors.open(dir)) {
            assertEquals(m.keySet(), new java.util.TreeSet<>(s.names()));
            for (var e : m.entrySet()) assertEquals(e.getValue(), s.read(e.getKey()));
        }
    }

    @Test
    void shardIndexNamingMissingFileIsRejected() throws IOException {
        Random r = new Random(4);
        Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), Map.of("a", random(r, 2)));
        Path index = dir.resolve(Safetensors.INDEX_FILE);
        Files.writeString(index, "{\"metadata\":{},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
                + "\"b\":\"model-00002-of-00002.safetensors\"}}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Safetensors.open(dir));
        assertTrue(e.getMessage().startsWith(index + ": shard model-00002-of-00002.safetensors (named for tensor b) does not exist"),
                e.getMessage());

        Files.writeString(index, "{\"weight_map\":{\"zzz\":\"model-00001-of-00002.safetensors\"}}");
        e = assertThrows(ModelFormatException.class, () -> Safetensors.open(dir));
        assertTrue(e.getMessage().contains("tensor zzz is mapped to shard model-00001-of-00002.safetensors, which does not hold it"));

        Files.writeString(index, "{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        e = assertThrows(ModelFormatException.class, () -> Safetensors.open(dir));
        assertTrue(e.getMessage().contains("not a file in the same folder"), e.getMessage());
    }

    @Test
    void folderWithoutWeightsIsRejected() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Safetensors.open(dir));
        assertTrue(e.getMessage().startsWith(dir + ": no weights"), e.getMessage());
    }

    @Test
    void readsTheTinyBertGolden() {
        Path p = SharedFiles.require("golden/tiny-bert/model.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals("pt", f.metadata().get("format"));
            assertArrayEquals(new int[]{128, 32}, f.shape("bert.embeddings.word_embeddings.weight"));
            HostTensor ln = f.read("bert.embeddings.LayerNorm.weight");
            for (float v : ln.data()) assertEquals(1f, v, "HF initialises LayerNorm weights to 1");
        }
    }
}
