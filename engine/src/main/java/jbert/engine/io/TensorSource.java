package jbert.engine.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A named collection of tensors that can be read one at a time: a safetensors file, a set of shards,
 * a TensorFlow checkpoint seen through HF's names, or a map in memory. Reading one tensor at a time
 * keeps peak memory at one model's worth when converting or loading.
 */
public interface TensorSource extends AutoCloseable {

    /** Where the tensors come from, for error messages (usually a file path). */
    String origin();

    /** The tensor names, in file order. */
    Set<String> names();

    /** The shape of a tensor, without reading its data. */
    int[] shape(String name);

    /** Reads one tensor as float32 (narrower floats are widened). */
    HostTensor read(String name);

    default boolean contains(String name) { return names().contains(name); }

    @Override void close();

    /** Reads every tensor. */
    default Map<String, HostTensor> readAll() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String n : names()) out.put(n, read(n));
        return out;
    }

    /** A source over tensors already in memory. */
    static TensorSource of(String origin, Map<String, HostTensor> tensors) {
        Map<String, HostTensor> copy = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        return new TensorSource() {
            @Override public String origin() { return origin; }
            @Override public Set<String> names() { return copy.keySet(); }
            @Override public int[] shape(String name) { return get(name).shape().clone(); }
            @Override public HostTensor read(String name) { return get(name); }
            @Override public void close() {}

            private HostTensor get(String name) {
                HostTensor t = copy.get(name);
                if (t == null) throw ModelFormatException.tensor(origin, name, "not present");
                return t;
            }
        };
    }
}
