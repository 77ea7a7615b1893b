package jbert.engine.io;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sharded checkpoint: {@code model.safetensors.index.json} ({@code {"metadata": {...},
 * "weight_map": {tensor: shard file}}}) and the shard files beside it. Every shard is opened and
 * validated up front; the index must name only files that exist (in the same folder) and each tensor
 * must be in the shard the index names.
 */
public final class ShardedSafetensors implements TensorSource {
    private final Path index;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> byName;

    private ShardedSafetensors(Path index, List<SafetensorsFile> shards, Map<String, SafetensorsFile> byName) {
        this.index = index;
        this.shards = shards;
        this.byName = byName;
    }

    public static ShardedSafetensors open(Path index) {
        JsonNode root = Safetensors.readJson(index);
        if (root == null || !root.isObject()) throw ModelFormatException.in(index, "not a JSON object");
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw ModelFormatException.in(index, "missing or non-object key weight_map");
        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String tensor = e.getKey();
                if (!e.getValue().isTextual()) {
                    throw ModelFormatException.in(index, "weight_map entry for " + tensor + " is not a file name");
                }
                String shardName = e.getValue().asText();
                // Shards live beside the index: a path elsewhere would let an index point anywhere.
                if (shardName.isEmpty() || shardName.contains("/") || shardName.contains("\\") || shardName.equals("..")) {
                    throw ModelFormatException.in(index, "weight_map entry for " + tensor + " names '" + shardName
                            + "', not a file in the same folder");
                }
                SafetensorsFile shard = opened.get(shardName);
                if (shard == null) {
                    Path p = dir.resolve(shardName);
                    if (!Files.isRegularFile(p)) {
                        throw ModelFormatException.in(index, "shard " + shardName + " (named for tensor " + tensor
                                + ") does not exist");
                    }
                    shard = SafetensorsFile.open(p);
                    opened.put(shardName, shard);
                }
                if (!shard.names().contains(tensor)) {
                    throw ModelFormatException.in(index, "tensor " + tensor + " is mapped to shard " + shardName
                            + ", which does not hold it");
                }
                byName.put(tensor, shard);
            }
            return new ShardedSafetensors(index, new ArrayList<>(opened.values()), Collections.unmodifiableMap(byName));
        } catch (RuntimeException ex) {
            opened.values().forEach(SafetensorsFile::close);
            throw ex;
        }
    }

    @Override public String origin() { return index.toString(); }

    @Override public Set<String> names() { return byName.keySet(); }

    private SafetensorsFile shardOf(String name) {
        SafetensorsFile s = byName.get(name);
        if (s == null) throw ModelFormatException.tensor(index, name, "not in the weight_map");
        return s;
    }

    @Override public int[] shape(String name) { return shardOf(name).shape(name); }

    @Override public HostTensor read(String name) { return shardOf(name).read(name); }

    @Override public void close() { shards.forEach(SafetensorsFile::close); }
}
