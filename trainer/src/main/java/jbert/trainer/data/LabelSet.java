package jbert.trainer.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The classes of a task: their names in id order. A label in a data file is accepted as a name
 * ({@code Bullish}) or as an integer id ({@code 1}); the names are what the saved model's
 * {@code config.json} keeps as {@code id2label}.
 */
public final class LabelSet {
    /** The Twitter Financial News sentiment classes (dataset card: 0 Bearish, 1 Bullish, 2 Neutral). */
    public static final LabelSet TWITTER_FINANCIAL_NEWS = new LabelSet(List.of("Bearish", "Bullish", "Neutral"));

    private final List<String> names;
    private final Map<String, Integer> ids = new LinkedHashMap<>();

    public LabelSet(List<String> names) {
        if (names.isEmpty()) throw new IllegalArgumentException("a label set needs at least one label");
        this.names = List.copyOf(names);
        for (int i = 0; i < names.size(); i++) {
            if (ids.put(names.get(i), i) != null) {
                throw new IllegalArgumentException("label '" + names.get(i) + "' appears twice");
            }
        }
    }

    /** From a config's id2label map (ids 0..n-1). */
    public static LabelSet fromId2Label(Map<Integer, String> id2label) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < id2label.size(); i++) {
            String n = id2label.get(i);
            if (n == null) throw new IllegalArgumentException("id2label has no entry for id " + i);
            names.add(n);
        }
        return new LabelSet(names);
    }

    /**
     * The label set a training file implies when none is given: integer labels 0..max become
     * LABEL_0..LABEL_max (HF's default names); otherwise the distinct names, sorted (as HF datasets'
     * {@code class_encode_column} does). A mix of the two is an error naming the first offender.
     */
    public static LabelSet infer(List<RawRow> rows, String file) {
        boolean allInts = true;
        int max = -1;
        for (RawRow r : rows) {
            Integer v = parseId(r.label());
            if (v == null) { allInts = false; break; }
            max = Math.max(max, v);
        }
        if (rows.isEmpty()) throw new IllegalArgumentException(file + ": no rows to infer labels from");
        if (allInts) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i <= max; i++) names.add("LABEL_" + i);
            return new LabelSet(names);
        }
        TreeSet<String> distinct = new TreeSet<>();
        for (RawRow r : rows) {
            if (parseId(r.label()) != null) {
                throw new IllegalArgumentException(file + " line " + r.line() + ": label '" + r.label()
                        + "' is a number while other labels are names; use one kind, or list the names with --labels");
            }
            distinct.add(r.label());
        }
        return new LabelSet(new ArrayList<>(distinct));
    }

    public int size() { return names.size(); }

    public String name(int id) { return names.get(id); }

    public List<String> names() { return Collections.unmodifiableList(names); }

    /** id2label as a config wants it. */
    public Map<Integer, String> id2label() {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) m.put(i, names.get(i));
        return m;
    }

    /** The id of a raw label (a name, or an integer id in range), or -1 when it is neither. */
    public int resolve(String raw) {
        Integer byName = ids.get(raw);
        if (byName != null) return byName;
        Integer v = parseId(raw);
        if (v != null && v >= 0 && v < names.size()) return v;
        return -1;
    }

    /** Whether the names are HF's placeholders LABEL_0..LABEL_{n-1} (no real names known). */
    public boolean placeholders() {
        for (int i = 0; i < names.size(); i++) if (!names.get(i).equals("LABEL_" + i)) return false;
        return true;
    }

    private static Integer parseId(String s) {
        String t = s.strip();
        if (t.isEmpty() || t.length() > 9) return null;
        for (int i = 0; i < t.length(); i++) if (t.charAt(i) < '0' || t.charAt(i) > '9') return null;
        return Integer.parseInt(t);
    }

    @Override
    public String toString() { return String.join(", ", names); }
}
