package jbert.tokenizer;

import java.util.Arrays;
import java.util.Map;

/**
 * The WordPiece model (HF tokenizers models/wordpiece): each pre-token is split greedily, longest
 * vocabulary entry first, continuation pieces carrying the prefix ("##"). A word with more than
 * {@code maxInputCharsPerWord} code points, or with a position where no entry matches, becomes the
 * unknown token as a whole.
 *
 * <p>HF tries the whole remaining word, then one character shorter, and so on, hashing each
 * substring. We walk a trie of the vocabulary instead, one code point per step, remembering the last
 * node that ends a token: the deepest such node is the longest vocabulary entry starting at that
 * position, which is exactly what HF's shrinking loop finds, without building any substring.
 * The trie's edges live in one open-addressing hash table keyed by (node, code point).
 */
final class WordPiece {

    /** Token text by id (null where the vocabulary has a gap). */
    final String[] vocab;
    final int unkId;
    final String unkToken;
    final String prefix;
    final int maxInputCharsPerWord;

    /** tokenAt[node]: the id of the token that ends at this trie node, or -1. */
    private int[] tokenAt = new int[1024];
    private int nodes = 1; // node 0 is the root
    /** The node reached from the root by the prefix ("##"): where continuation pieces start; -1 if none. */
    private final int continuationRoot;

    // Edge table, open addressing, one long per edge so that a lookup touches one cache line:
    // (key << 22) | child, with key = node * 0x110000 + code point + 1 (42 bits; 0 marks an empty slot).
    private static final int CHILD_BITS = 22;
    private long[] edgeTable;
    private int edgeMask;
    private int edges;

    WordPiece(String[] vocab, String unkToken, String prefix, int maxInputCharsPerWord, Map<String, Integer> ids) {
        this.vocab = vocab;
        this.unkToken = unkToken;
        this.prefix = prefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        Integer unk = ids.get(unkToken);
        if (unk == null) throw new IllegalArgumentException("unk token " + unkToken + " is not in the vocabulary");
        this.unkId = unk;
        int capacity = Integer.highestOneBit(Math.max(16, vocab.length * 4)) * 2;
        edgeTable = new long[capacity];
        edgeMask = capacity - 1;
        Arrays.fill(tokenAt, -1);
        for (int id = 0; id < vocab.length; id++) {
            String token = vocab[id];
            if (token == null || token.isEmpty()) continue;
            int node = 0;
            for (int i = 0; i < token.length(); ) {
                int cp = token.codePointAt(i);
                i += Character.charCount(cp);
                int child = child(node, cp);
                node = child >= 0 ? child : addChild(node, cp);
            }
            tokenAt[node] = id;
        }
        int node = 0;
        for (int i = 0; i < prefix.length() && node >= 0; ) {
            int cp = prefix.codePointAt(i);
            i += Character.charCount(cp);
            node = child(node, cp);
        }
        continuationRoot = prefix.isEmpty() ? 0 : node;
    }

    private static long key(int node, int cp) {
        return (long) node * CodePoints.MAX + cp + 1;
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L; // Fibonacci hashing spreads consecutive nodes and code points
        return (int) (h >>> 40) & mask;
    }

    /** The child of node along code point cp, or -1. */
    int child(int node, int cp) {
        long k = key(node, cp);
        int s = slot(k, edgeMask);
        while (true) {
            long e = edgeTable[s];
            if (e >>> CHILD_BITS == k) return (int) (e & ((1 << CHILD_BITS) - 1));
            if (e == 0) return -1;
            s = (s + 1) & edgeMask;
        }
    }

    private int addChild(int node, int cp) {
        if ((edges + 1) * 2 > edgeTable.length) grow();
        int child = nodes++;
        if (child >= 1 << (CHILD_BITS - 1)) throw new IllegalArgumentException("vocabulary too large for the trie");
        if (child == tokenAt.length) {
            tokenAt = Arrays.copyOf(tokenAt, child * 2);
            Arrays.fill(tokenAt, child, tokenAt.length, -1);
        }
        insert(key(node, cp) << CHILD_BITS | child);
        return child;
    }

    private void insert(long entry) {
        int s = slot(entry >>> CHILD_BITS, edgeMask);
        while (edgeTable[s] != 0) s = (s + 1) & edgeMask;
        edgeTable[s] = entry;
        edges++;
    }

    private void grow() {
        long[] old = edgeTable;
        edgeTable = new long[old.length * 2];
        edgeMask = edgeTable.length - 1;
        edges = 0;
        for (long e : old) if (e != 0) insert(e);
    }

    /** Splits the word cps[from, to) into piece ids appended to out. */
    void tokenize(int[] cps, int from, int to, IntList out) {
        if (to - from > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size;
        int start = from;
        while (start < to) {
            int node = start == from ? 0 : continuationRoot;
            int best = -1;
            int bestEnd = start;
            for (int i = start; i < to && node >= 0; i++) {
                node = child(node, cps[i]);
                if (node >= 0 && tokenAt[node] >= 0) {
                    best = tokenAt[node];
                    bestEnd = i + 1;
                }
            }
            if (best < 0) { // no vocabulary entry starts here: the whole word is unknown
                out.size = mark;
                out.add(unkId);
                return;
            }
            out.add(best);
            start = bestEnd;
        }
    }
}
