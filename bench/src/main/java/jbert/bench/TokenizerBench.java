package jbert.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jbert.tokenizer.BertTokenizer;
import jbert.tokenizer.EncodeOptions;
import jbert.tokenizer.Encoding;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The tokenizer over all 11,931 tweets of twitter-financial-news-sentiment (sent_train.csv then
 * sent_valid.csv), with bert-base-uncased's tokenizer.json and no truncation or padding: the workload
 * of {@code ../shared/peers/tokenizers/speed.js}, which times HF tokenizers' {@code encodeBatch} on the
 * same files. One operation encodes every tweet; the {@code :tokens} row is tokens per second (ids
 * produced, [CLS] and [SEP] included, 330,273 per pass), the figure speed.js prints.
 * <ul>
 *   <li>{@code batch}: {@link BertTokenizer#encodeBatch} on all cores, like HF's encodeBatch;
 *   <li>{@code singleThread}: {@link BertTokenizer#encode} text after text on one thread.
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar TokenizerBench} from the repository root
 * (the data is found through -Djbert.shared, else ../shared).
 */
@State(Scope.Benchmark)
public class TokenizerBench extends BenchDefaults {

    /** Tokens (ids) produced: JMH prints their rate, tokens/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public double tokens;

        @Setup(Level.Iteration)
        public void reset() { tokens = 0; }
    }

    private BertTokenizer tokenizer;
    private List<String> texts;

    @Setup
    public void setup() {
        Path shared = Path.of(System.getProperty("jbert.shared", "../shared"));
        tokenizer = BertTokenizer.fromTokenizerJson(shared.resolve("golden/tokenizer/bert-base-uncased-tokenizer.json"));
        texts = new ArrayList<>();
        for (String name : new String[] {"sent_train.csv", "sent_valid.csv"})
            texts.addAll(textColumn(shared.resolve("datasets/twitter-financial-news-sentiment/" + name)));
        if (texts.size() != 11_931) throw new IllegalStateException("expected 11,931 tweets, read " + texts.size());
    }

    @Benchmark
    public Object batch(Tokens count) {
        List<Encoding> out = tokenizer.encodeBatch(texts, EncodeOptions.NONE);
        for (Encoding e : out) count.tokens += e.length();
        return out;
    }

    @Benchmark
    public long singleThread(Tokens count) {
        long n = 0;
        for (String text : texts) n += tokenizer.encode(text).length();
        count.tokens += n;
        return n;
    }

    /**
     * The first column of a CSV file with a header row (RFC 4180: fields in double quotes may hold
     * commas, newlines and doubled quotes), as speed.js reads it.
     */
    static List<String> textColumn(Path csv) {
        String s;
        try {
            s = Files.readString(csv);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv, e);
        }
        List<String> column = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false, first = true, header = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c != '"') field.append(c);
                else if (i + 1 < s.length() && s.charAt(i + 1) == '"') { field.append('"'); i++; }
                else quoted = false;
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',' || c == '\n') {
                if (first && !header) column.add(field.toString());
                field.setLength(0);
                first = c == '\n';
                if (c == '\n') header = false;
            } else if (c != '\r') {
                field.append(c);
            }
        }
        if (first && !header && (field.length() > 0)) column.add(field.toString());
        return column;
    }
}
