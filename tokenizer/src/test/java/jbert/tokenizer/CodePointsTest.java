package jbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every Unicode scalar value through each normalizer step alone and the pre-tokenizer, against what
 * HF tokenizers 0.23.2 does (hf-codepoints.txt, written by src/test/node/hf-codepoints.js). This is where
 * the Unicode-version differences between Rust's tables and Java's (see CodePoints) are pinned down.
 */
class CodePointsTest {

    /** Expected fields per code point; a code point that is not listed is unchanged and not a separator. */
    private static Map<Integer, Map<Character, String>> reference() throws Exception {
        Map<Integer, Map<Character, String>> ref = new HashMap<>();
        try (var in = CodePointsTest.class.getResourceAsStream("hf-codepoints.txt")) {
            assertTrue(in != null, "hf-codepoints.txt is missing from the test resources");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) continue;
                String[] parts = line.split(" (?=[cjalp]=)");
                String[] range = parts[0].split("-");
                int start = Integer.parseInt(range[0], 16);
                int end = range.length > 1 ? Integer.parseInt(range[1], 16) : start;
                Map<Character, String> fields = new HashMap<>();
                for (int i = 1; i < parts.length; i++) fields.put(parts[i].charAt(0), parts[i].substring(2));
                for (int cp = start; cp <= end; cp++) ref.put(cp, fields);
            }
        }
        return ref;
    }

    private static String hex(IntList out) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < out.size; i++) b.append(i == 0 ? "" : " ").append(Integer.toHexString(out.data[i]).toUpperCase());
        return b.toString();
    }

    @Test
    void everyCodePointMatchesHuggingFace() throws Exception {
        Map<Integer, Map<Character, String>> ref = reference();
        BertNormalizer clean = BertNormalizer.of(true, false, false, false);
        BertNormalizer cjk = BertNormalizer.of(false, true, false, false);
        BertNormalizer strip = BertNormalizer.of(false, false, true, false);
        BertNormalizer lower = BertNormalizer.of(false, false, false, true);
        List<String> wrong = new ArrayList<>();
        IntList out = new IntList(8);
        int[] one = new int[1];
        int[] word = new int[3];
        int[] words = new int[1];
        for (int cp = 0; cp < CodePoints.MAX; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) continue;
            Map<Character, String> f = ref.getOrDefault(cp, Map.of());
            one[0] = cp;
            String self = Integer.toHexString(cp).toUpperCase();

            out.clear();
            clean.normalize(one, 0, 1, out);
            String c = f.getOrDefault('c', "-");
            String expect = c.equals("x") ? "" : c.equals("s") ? "20" : c.equals("-") ? self : c;
            if (!hex(out).equals(expect)) wrong.add(self + " clean: " + hex(out) + " != " + expect);

            out.clear();
            cjk.normalize(one, 0, 1, out);
            String j = f.getOrDefault('j', "-");
            expect = j.equals("s") ? "20 " + self + " 20" : j.equals("-") ? self : j;
            if (!hex(out).equals(expect)) wrong.add(self + " cjk: " + hex(out) + " != " + expect);

            out.clear();
            strip.normalize(one, 0, 1, out);
            String a = f.getOrDefault('a', "-");
            expect = a.equals("x") ? "" : a.equals("-") ? self : a;
            if (!hex(out).equals(expect)) wrong.add(self + " strip: " + hex(out) + " != " + expect);

            out.clear();
            lower.normalize(one, 0, 1, out);
            expect = f.getOrDefault('l', self);
            if (!hex(out).equals(expect)) wrong.add(self + " lower: " + hex(out) + " != " + expect);

            word[0] = 'a';
            word[1] = cp;
            word[2] = 'b';
            words[0] = 0;
            BertPreTokenizer.split(word, 0, 3, (cps, from, to) -> words[0]++);
            String p = words[0] == 2 ? "w" : words[0] == 3 ? "p" : "-";
            if (!p.equals(f.getOrDefault('p', "-"))) wrong.add(self + " pre-tokenizer: " + p + " != " + f.getOrDefault('p', "-"));
        }
        assertEquals(List.of(), wrong.size() > 30 ? wrong.subList(0, 30) : wrong, wrong.size() + " differences from HF");
    }
}
