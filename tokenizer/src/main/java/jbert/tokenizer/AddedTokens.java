package jbert.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HF's {@code AddedVocabulary} (tokenizers tokenizer/added_vocabulary.rs): the tokens of
 * tokenizer.json's "added_tokens" ([CLS], [SEP], [PAD], [MASK], [UNK] and any user token) that are
 * cut out of the text before the normalizer and the model see it, so they stay single tokens.
 *
 * <p>Two passes, as in HF's {@code extract_and_normalize}: tokens with normalized=false are found in the
 * raw text; then each remaining piece is normalized and tokens with normalized=true are found in it,
 * matched against their own normalized content. In both passes the matching is leftmost-longest (HF
 * uses Aho-Corasick with MatchKind::LeftmostLongest): scan from the left, the first position where any
 * token matches wins, with the longest token there; the search resumes after it. Then:
 * <ul>
 *   <li>single_word: the match counts only if the characters just before and after it (inside the
 *       piece) are not word characters (regex \w); a refused match is still consumed;
 *   <li>lstrip / rstrip: the token also swallows the whitespace (\s) to its left (not reaching back
 *       into the previous token) / to its right.
 * </ul>
 */
final class AddedTokens {

    /** One entry of "added_tokens". */
    record Token(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                 boolean normalized, boolean special) {}

    final List<Token> tokens;
    private final Matcher raw;
    private final Matcher normalized;

    AddedTokens(List<Token> tokens, BertNormalizer normalizer) {
        this.tokens = List.copyOf(tokens);
        List<Token> rawTokens = new ArrayList<>();
        List<int[]> rawPatterns = new ArrayList<>();
        List<Token> normTokens = new ArrayList<>();
        List<int[]> normPatterns = new ArrayList<>();
        for (Token t : tokens) {
            if (t.content.isEmpty()) continue; // HF ignores empty added tokens
            if (t.normalized) {
                normTokens.add(t);
                normPatterns.add(normalizer != null ? normalizer.normalize(t.content) : t.content.codePoints().toArray());
            } else {
                rawTokens.add(t);
                rawPatterns.add(t.content.codePoints().toArray());
            }
        }
        raw = new Matcher(rawTokens, rawPatterns);
        normalized = new Matcher(normTokens, normPatterns);
    }

    boolean hasRaw() {
        return raw.size > 0;
    }

    boolean hasNormalized() {
        return normalized.size > 0;
    }

    /**
     * Splits cps[from, to) on raw (normalized=false) or normalized tokens. Appends triples to out:
     * (token id or -1 for plain text, start, end). The triples cover [from, to) except for what
     * lstrip/rstrip swallowed into a token.
     */
    void split(int[] cps, int from, int to, boolean normalizedPass, IntList out) {
        (normalizedPass ? normalized : raw).split(cps, from, to, out);
    }

    /** A trie of the token contents by code point, with leftmost-longest search. */
    private static final class Matcher {
        final int size;
        /** Quick rejection: can a token start with this ASCII code point / these other code points. */
        private final boolean[] firstAscii = new boolean[128];
        private final int[] firstOther;
        private final Node root = new Node();

        private static final class Node {
            final Map<Integer, Node> next = new HashMap<>();
            Token token;
        }

        Matcher(List<Token> tokens, List<int[]> patterns) {
            size = tokens.size();
            int[] other = new int[0];
            for (int i = 0; i < tokens.size(); i++) {
                int[] p = patterns.get(i);
                if (p.length == 0) continue; // a token that normalizes to nothing can never be found
                Node node = root;
                for (int cp : p) node = node.next.computeIfAbsent(cp, k -> new Node());
                if (node.token == null) node.token = tokens.get(i);
                if (p[0] < 128) firstAscii[p[0]] = true;
                else {
                    other = Arrays.copyOf(other, other.length + 1);
                    other[other.length - 1] = p[0];
                }
            }
            Arrays.sort(other);
            firstOther = other;
        }

        private boolean mayStart(int cp) {
            return cp < 128 ? firstAscii[cp] : firstOther.length > 0 && Arrays.binarySearch(firstOther, cp) >= 0;
        }

        void split(int[] cps, int from, int to, IntList out) {
            int done = from; // start_offset in HF: end of the last token emitted
            int i = from;
            while (i < to) {
                if (!mayStart(cps[i])) {
                    i++;
                    continue;
                }
                Node node = root;
                Token found = null;
                int end = i;
                for (int j = i; j < to; j++) {
                    node = node.next.get(cps[j]);
                    if (node == null) break;
                    if (node.token != null) {
                        found = node.token;
                        end = j + 1;
                    }
                }
                if (found == null) {
                    i++;
                    continue;
                }
                int start = i;
                int stop = end;
                i = end; // the match is consumed even if single_word refuses it
                if (found.singleWord) {
                    boolean spaceBefore = start == from || !CodePoints.is(cps[start - 1], CodePoints.WORD);
                    boolean spaceAfter = stop == to || !CodePoints.is(cps[stop], CodePoints.WORD);
                    if (!spaceBefore || !spaceAfter) continue;
                }
                if (found.lstrip) {
                    int s = start;
                    while (s > from && CodePoints.is(cps[s - 1], CodePoints.WHITESPACE)) s--;
                    start = Math.max(s, done);
                }
                if (found.rstrip) {
                    while (stop < to && CodePoints.is(cps[stop], CodePoints.WHITESPACE)) stop++;
                }
                if (done < start) {
                    out.add(-1);
                    out.add(done);
                    out.add(start);
                }
                out.add(found.id);
                out.add(start);
                out.add(stop);
                done = stop;
            }
            if (done < to) {
                out.add(-1);
                out.add(done);
                out.add(to);
            }
        }
    }
}
