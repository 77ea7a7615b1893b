package jbert.engine.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes small TF tensor bundles (float32, one shard) for tests: the same table layout TF writes
 * (data blocks with prefix-compressed keys and restart points every {@code restartInterval} keys,
 * an empty metaindex block, an index block, the footer), so the reader is tested on blocks that hold
 * several restarts and on tables with several data blocks.
 */
final class TfBundleWriter {
    private TfBundleWriter() {}

    static void write(Path prefix, Map<String, HostTensor> tensors, int restartInterval, int entriesPerBlock) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        TreeMap<String, byte[]> kv = new TreeMap<>();
        kv.put("", header());
        for (Map.Entry<String, HostTensor> e : new TreeMap<>(tensors).entrySet()) {
            float[] f = e.getValue().data();
            ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(f);
            byte[] bytes = b.array();
            long offset = data.size();
            data.write(bytes);
            kv.put(e.getKey(), entry(e.getValue().shape(), offset, bytes.length, Crc32c.mask(Crc32c.of(bytes, 0, bytes.length))));
        }
        Files.write(prefix.resolveSibling(prefix.getFileName() + ".data-00000-of-00001"), data.toByteArray());

        ByteArrayOutputStream table = new ByteArrayOutputStream();
        TreeMap<String, byte[]> index = new TreeMap<>();
        TreeMap<String, byte[]> block = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : kv.entrySet()) {
            block.put(e.getKey(), e.getValue());
            if (block.size() == entriesPerBlock) {
                index.put(block.lastKey(), handle(writeBlock(table, block, restartInterval)));
                block.clear();
            }
        }
        if (!block.isEmpty()) index.put(block.lastKey(), handle(writeBlock(table, block, restartInterval)));
        long[] meta = writeBlock(table, new TreeMap<>(), restartInterval);
        long[] idx = writeBlock(table, index, 1);
        ByteArrayOutputStream footer = new ByteArrayOutputStream();
        varint(footer, meta[0]); varint(footer, meta[1]); varint(footer, idx[0]); varint(footer, idx[1]);
        while (footer.size() < 40) footer.write(0);
        ByteBuffer magic = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0xdb4775248b80fb57L);
        footer.write(magic.array());
        table.write(footer.toByteArray());
        Files.write(prefix.resolveSibling(prefix.getFileName() + ".index"), table.toByteArray());
    }

    private static byte[] handle(long[] h) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        varint(o, h[0]);
        varint(o, h[1]);
        return o.toByteArray();
    }

    /** Appends a block and its trailer; returns {offset, size}. */
    private static long[] writeBlock(ByteArrayOutputStream out, TreeMap<String, byte[]> kv, int restartInterval) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        java.util.List<Integer> restarts = new java.util.ArrayList<>();
        byte[] prev = new byte[0];
        int i = 0;
        for (Map.Entry<String, byte[]> e : kv.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            int shared = 0;
            if (i % restartInterval == 0) {
                restarts.add(b.size());
            } else {
                while (shared < prev.length && shared < key.length && prev[shared] == key[shared]) shared++;
            }
            varint(b, shared);
            varint(b, key.length - shared);
            varint(b, e.getValue().length);
            b.write(key, shared, key.length - shared);
            b.write(e.getValue());
            prev = key;
            i++;
        }
        if (restarts.isEmpty()) restarts.add(0);
        ByteBuffer r = ByteBuffer.allocate(4 * restarts.size() + 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : restarts) r.putInt(x);
        r.putInt(restarts.size());
        b.write(r.array());
        byte[] contents = b.toByteArray();
        long offset = out.size();
        out.write(contents);
        byte[] withType = java.util.Arrays.copyOf(contents, contents.length + 1);   // type 0: no compression
        int crc = Crc32c.mask(Crc32c.of(withType, 0, withType.length));
        ByteBuffer trailer = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN).put((byte) 0).putInt(crc);
        out.write(trailer.array());
        return new long[]{offset, contents.length};
    }

    private static byte[] header() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(1 << 3);   // num_shards = 1
        varint(o, 1);
        return o.toByteArray();
    }

    private static byte[] entry(int[] shape, long offset, long size, int maskedCrc) {
        ByteArrayOutputStream dims = new ByteArrayOutputStream();
        for (int d : shape) {
            ByteArrayOutputStream dim = new ByteArrayOutputStream();
            dim.write(1 << 3);
            varint(dim, d);
            dims.write(2 << 3 | 2);
            varint(dims, dim.size());
            dims.writeBytes(dim.toByteArray());
        }
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(1 << 3); varint(o, TfCheckpoint.DT_FLOAT);
        o.write(2 << 3 | 2); varint(o, dims.size()); o.writeBytes(dims.toByteArray());
        if (offset != 0) { o.write(4 << 3); varint(o, offset); }
        o.write(5 << 3); varint(o, size);
        o.write(6 << 3 | 5);
        o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maskedCrc).array());
        return o.toByteArray();
    }

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7fL) != 0) {
            o.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        o.write((int) v);
    }
}
