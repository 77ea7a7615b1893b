package jbert.trainer.data;

import jbert.trainer.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading a split into labelled examples, and taking its seeded subset. */
public final class Splits {
    private Splits() {}

    /** Examples of one file, and the rows skipped (with {@code --skip-bad-rows}) with their reasons. */
    public record Loaded(List<Example> examples, List<String> skipped) {}

    /**
     * Reads {@code file} and resolves each label against {@code labels}; a label that is neither one of
     * the names nor an id in range is a bad row like any other.
     */
    public static Loaded load(Path file, TableReader.Result table, LabelSet labels, boolean skipBadRows) {
        List<Example> out = new ArrayList<>(table.rows().size());
        List<String> skipped = new ArrayList<>(table.skipped());
        for (RawRow r : table.rows()) {
            int id = labels.resolve(r.label());
            if (id < 0) {
                String why = file + " line " + r.line() + ": unknown label '" + r.label() + "' (labels: "
                        + labels + ", or ids 0-" + (labels.size() - 1) + ")";
                if (!skipBadRows) throw new UserError(why);
                skipped.add(why);
                continue;
            }
            out.add(new Example(r.text(), id, file.toString(), r.line()));
        }
        return new Loaded(out, skipped);
    }

    /**
     * The first {@code n} examples of a seeded shuffle of the split (all of them when {@code n} is null),
     * exactly as Python's {@code idx = list(range(len(rows))); random.Random(seed).shuffle(idx); idx[:n]}.
     */
    public static List<Example> take(List<Example> all, Integer n, long seed) {
        int[] idx = new PythonRandom(seed).permutation(all.size());
        int k = n == null ? all.size() : Math.min(n, all.size());
        List<Example> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) out.add(all.get(idx[i]));
        return out;
    }
}
