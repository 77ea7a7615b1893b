package jbert.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TfCheckpointTest {
    @TempDir Path dir;

    /** A miniature Google BERT checkpoint: the TF names HF's converter knows, and Adam slots. */
    private Map<String, HostTensor> tfVariables() {
        Random r = new Random(7);
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("bert/embeddings/word_embeddings", SafetensorsTest.random(r, 10, 4));
        m.put("bert/embeddings/LayerNorm/gamma", SafetensorsTest.random(r, 4));
        m.put("bert/embeddings/LayerNorm/beta", SafetensorsTest.random(r, 4));
        m.put("bert/encoder/layer_0/attention/self/query/kernel", SafetensorsTest.random(r, 4, 6));
        m.put("bert/encoder/layer_10/intermediate/dense/kernel", SafetensorsTest.random(r, 4, 3));
        m.put("bert/encoder/layer_0/attention/self/query/bias", SafetensorsTest.random(r, 6));
        m.put("bert/encoder/layer_0/attention/self/query/kernel/adam_m", SafetensorsTest.random(r, 4, 6));
        m.put("cls/predictions/output_bias", SafetensorsTest.random(r, 10));
        m.put("cls/seq_relationship/output_weights", SafetensorsTest.random(r, 2, 4));
        return m;
    }

    private Path writeCheckpoint(int restartInterval, int entriesPerBlock) throws IOException {
        Path prefix = dir.resolve("bert_model.ckpt");
        TfBundleWriter.write(prefix, tfVariables(), restartInterval, entriesPerBlock);
        return prefix;
    }

    @Test
    void readsEveryVariableBitExact() throws IOException {
        for (int[] layout : new int[][]{{16, 1000}, {3, 2}, {1, 1}}) {
            writeCheckpoint(layout[0], layout[1]);
            try (TfCheckpoint ck = TfCheckpoint.open(dir)) {
                Map<String, HostTensor> expected = tfVariables();
                assertEquals(expected.keySet(), ck.entries().keySet());
                for (var e : expected.entrySet()) assertEquals(e.getValue(), ck.readRaw(e.getKey()), e.getKey());
            }
        }
    }

    @Test
    void mapsNamesLikeHuggingFace() throws IOException {
        writeCheckpoint(4, 3);
        Map<String, HostTensor> tf = tfVariables();
        try (TfCheckpoint ck = TfCheckpoint.open(dir.resolve("bert_model.ckpt.index")); TensorSource hf = ck.hfView()) {
            assertEquals(java.util.Set.of(
                    "bert.embeddings.word_embeddings.weight", "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias",
                    "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.query.bias",
                    "bert.encoder.layer.10.intermediate.dense.weight",
                    "cls.predictions.bias", "cls.seq_relationship.weight"), hf.names());
            // Kernels [in, out] become weights [out, in].
            HostTensor q = hf.read("bert.encoder.layer.0.attention.self.query.weight");
            HostTensor k = tf.get("bert/encoder/layer_0/attention/self/query/kernel");
            assertArrayEquals(new int[]{6, 4}, q.shape());
            assertArrayEquals(new int[]{6, 4}, hf.shape("bert.encoder.layer.0.attention.self.query.weight"));
            for (int i = 0; i < 4; i++) for (int j = 0; j < 6; j++) assertEquals(k.data()[i * 6 + j], q.data()[j * 4 + i]);
            // output_weights are already [out, in]: not transposed.
            assertEquals(tf.get("cls/seq_relationship/output_weights"), hf.read("cls.seq_relationship.weight"));
            assertEquals(tf.get("bert/embeddings/LayerNorm/gamma"), hf.read("bert.embeddings.LayerNorm.weight"));
        }
        assertEquals("bert.encoder.layer.11.output.LayerNorm.bias", TfCheckpoint.hfName("module/bert/encoder/layer_11/output/LayerNorm/beta"));
        assertEquals("classifier.weight", TfCheckpoint.hfName("squad/output_weights"));
        assertNull(TfCheckpoint.hfName("global_step"));
        assertNull(TfCheckpoint.hfName("bert/pooler/dense/kernel/adam_v"));
    }

    @Test
    void tfToSafetensorsRoundTripIsExact() throws IOException {
        writeCheckpoint(2, 3);
        Path out = dir.resolve("hf").resolve("model.safetensors");
        try (TfCheckpoint ck = TfCheckpoint.open(dir); TensorSource hf = ck.hfView()) {
            Map<String, int[]> shapes = new LinkedHashMap<>();
            for (String n : hf.names()) shapes.put(n, hf.shape(n));
            Safetensors.write(out, shapes, n -> hf.read(n).data(), Map.of("format", "pt"));
            try (SafetensorsFile back = SafetensorsFile.open(out)) {
                assertEquals(new java.util.TreeSet<>(hf.names()), new java.util.TreeSet<>(back.names()));
                for (String n : hf.names()) assertEquals(hf.read(n), back.read(n), n);
            }
        }
    }

    @Test
    void tensorCrcMismatchIsRejected() throws IOException {
        Path prefix = writeCheckpoint(16, 1000);
        Path data = dir.resolve("bert_model.ckpt.data-00000-of-00001");
        byte[] b = Files.readAllBytes(data);
        b[b.length - 3] ^= 0x40;   // a bit in the last variable in key order: cls/seq_relationship/output_weights
        Files.write(data, b);
        try (TfCheckpoint ck = TfCheckpoint.open(prefix)) {
            ck.readRaw("bert/embeddings/word_embeddings");   // the others are intact
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ck.readRaw("cls/seq_relationship/output_weights"));
            assertEquals(data + ": tensor cls/seq_relationship/output_weights: CRC32C mismatch", e.getMessage().substring(0, e.getMessage().indexOf(" (")));
        }
    }

    @Test
    void blockCrcMismatchIsRejected() throws IOException {
        writeCheckpoint(16, 1000);
        Path index = dir.resolve("bert_model.ckpt.index");
        byte[] b = Files.readAllBytes(index);
        b[20] ^= 0x01;   // inside the first data block
        Files.write(index, b);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfCheckpoint.open(dir));
        assertTrue(e.getMessage().startsWith(index + ": data block at 0: CRC32C mismatch"), e.getMessage());
    }

    @Test
    void badMagicAndTruncationAreRejected() throws IOException {
        writeCheckpoint(16, 1000);
        Path index = dir.resolve("bert_model.ckpt.index");
        byte[] b = Files.readAllBytes(index);
        b[b.length - 1] ^= 0x01;
        Files.write(index, b);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("bad table magic"), e.getMessage());

        Files.write(index, java.util.Arrays.copyOf(b, 20));
        e = assertThrows(ModelFormatException.class, () -> TfCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        writeCheckpoint(16, 1000);
        Path data = dir.resolve("bert_model.ckpt.data-00000-of-00001");
        byte[] d = Files.readAllBytes(data);
        Files.write(data, java.util.Arrays.copyOf(d, d.length - 4));
        e = assertThrows(ModelFormatException.class, () -> TfCheckpoint.open(dir));
        assertTrue(e.getMessage().startsWith(data + ": tensor cls/seq_relationship/output_weights: bytes"), e.getMessage());

        Files.delete(data);
        e = assertThrows(ModelFormatException.class, () -> TfCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("data shard bert_model.ckpt.data-00000-of-00001 does not exist"), e.getMessage());
    }

    @Test
    void folderWithoutCheckpointIsRejected() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfCheckpoint.open(dir));
        assertTrue(e.getMessage().startsWith(dir + ": no TensorFlow checkpoint"), e.getMessage());
    }

    @Test
    void crcMaskMatchesTensorFlow() {
        // crc32c("123456789") = 0xe3069283 (the CRC-32C check value); masking is invertible.
        byte[] s = "123456789".getBytes();
        assertEquals(0xe3069283, Crc32c.of(s, 0, s.length));
        assertEquals(0xe3069283, Crc32c.unmask(Crc32c.mask(0xe3069283)));
        assertNotEquals(0xe3069283, Crc32c.mask(0xe3069283));
    }
}
