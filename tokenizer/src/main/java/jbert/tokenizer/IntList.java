package jbert.tokenizer;

import java.util.Arrays;

/** A growable int array: code point buffers and id lists, reused across texts to spare allocation. */
final class IntList {
    int[] data;
    int size;

    IntList(int capacity) {
        data = new int[Math.max(capacity, 8)];
    }

    void add(int v) {
        if (size == data.length) data = Arrays.copyOf(data, size * 2);
        data[size++] = v;
    }

    /** Makes room for n more values and returns the array to write them into, from index size. */
    int[] reserve(int n) {
        if (size + n > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
        return data;
    }

    void clear() {
        size = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
