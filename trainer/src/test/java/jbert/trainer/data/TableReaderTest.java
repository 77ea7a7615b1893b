package jbert.trainer.data;

import jbert.trainer.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableReaderTest {
    @TempDir Path tmp;

    private Path file(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void readsRfc4180QuotingAndReportsLines() throws IOException {
        Path f = file("a.csv", "text,label\n"
                + "plain tweet,0\n"
                + "\"with, comma\",1\n"
                + "\"with \"\"quotes\"\"\",2\n"
                + "\"two\nlines\",1\n"
                + "after,0\n");
        TableReader.Result r = TableReader.read(f, "text", "label", false);
        assertEquals(List.of("plain tweet", "with, comma", "with \"quotes\"", "two\nlines", "after"),
                r.rows().stream().map(RawRow::text).toList());
        assertEquals(List.of(2L, 3L, 4L, 5L, 7L), r.rows().stream().map(RawRow::line).toList());
        assertEquals(List.of("0", "1", "2", "1", "0"), r.rows().stream().map(RawRow::label).toList());
    }

    @Test
    void columnsAreFoundByName() throws IOException {
        Path f = file("b.csv", "id,sentiment,body\n1,pos,hello\r\n2,neg,bye\r\n");
        TableReader.Result r = TableReader.read(f, "body", "sentiment", false);
        assertEquals(List.of("hello", "bye"), r.rows().stream().map(RawRow::text).toList());
        assertEquals(List.of("pos", "neg"), r.rows().stream().map(RawRow::label).toList());
        UserError e = assertThrows(UserError.class, () -> TableReader.read(f, "text", "sentiment", false));
        assertTrue(e.getMessage().contains("no column 'text'") && e.getMessage().contains("--text-column"), e.getMessage());
    }

    @Test
    void badQuotingNamesFileAndLine() throws IOException {
        Path f = file("bad.csv", "text,label\nok,0\n\"broken\" quote,1\nfine,2\n");
        UserError e = assertThrows(UserError.class, () -> TableReader.read(f, "text", "label", false));
        assertTrue(e.getMessage().startsWith(f + " line 3: bad quoting"), e.getMessage());
    }

    @Test
    void missingFieldNamesFileAndLine() throws IOException {
        Path f = file("short.csv", "text,label\nok,0\nno label here\nfine,2\n");
        UserError e = assertThrows(UserError.class, () -> TableReader.read(f, "text", "label", false));
        assertTrue(e.getMessage().startsWith(f + " line 3: missing field"), e.getMessage());
    }

    @Test
    void skipBadRowsCountsAndContinuesOnTheNextLine() throws IOException {
        Path f = file("mixed.csv", "text,label\nok,0\n\"broken\" quote,1\nno label\nfine,2\n\"unterminated,1\nlast,0\n");
        TableReader.Result r = TableReader.read(f, "text", "label", true);
        assertEquals(List.of("ok", "fine", "last"), r.rows().stream().map(RawRow::text).toList());
        assertEquals(List.of(2L, 5L, 7L), r.rows().stream().map(RawRow::line).toList());
        assertEquals(3, r.skipped().size(), r.skipped().toString());
        assertTrue(r.skipped().get(0).contains("line 3"), r.skipped().toString());
        assertTrue(r.skipped().get(1).contains("line 4"), r.skipped().toString());
        assertTrue(r.skipped().get(2).contains("line 6"), r.skipped().toString());
    }

    @Test
    void jsonlRowsAndErrors() throws IOException {
        Path f = file("d.jsonl", "{\"text\":\"a\",\"label\":1}\n\n{\"text\":\"b\",\"label\":\"Bullish\"}\n");
        TableReader.Result r = TableReader.read(f, "text", "label", false);
        assertEquals(List.of("1", "Bullish"), r.rows().stream().map(RawRow::label).toList());
        assertEquals(List.of(1L, 3L), r.rows().stream().map(RawRow::line).toList());
        Path bad = file("e.jsonl", "{\"text\":\"a\",\"label\":1}\n{\"text\":\"b\"\n{\"label\":2}\n");
        UserError e = assertThrows(UserError.class, () -> TableReader.read(bad, "text", "label", false));
        assertTrue(e.getMessage().startsWith(bad + " line 2: invalid JSON"), e.getMessage());
        TableReader.Result s = TableReader.read(bad, "text", "label", true);
        assertEquals(1, s.rows().size());
        assertEquals(2, s.skipped().size());
        assertTrue(s.skipped().get(1).contains("line 3: missing key 'text'"), s.skipped().toString());
    }

    @Test
    void invalidUtf8NamesTheLine() throws IOException {
        Path f = tmp.resolve("latin1.csv");
        Files.write(f, new byte[] {'t', 'e', 'x', 't', ',', 'l', 'a', 'b', 'e', 'l', '\n', 'o', 'k', ',', '0', '\n', 'c', 'a', 'f', (byte) 0xE9, ',', '1', '\n'});
        UserError e = assertThrows(UserError.class, () -> TableReader.read(f, "text", "label", false));
        assertEquals(f + " line 3: not valid UTF-8", e.getMessage());
    }

    @Test
    void unknownLabelsAreBadRows() throws IOException {
        Path f = file("l.csv", "text,label\na,0\nb,Bullish\nc,7\nd,Sideways\n");
        TableReader.Result t = TableReader.read(f, "text", "label", false);
        UserError e = assertThrows(UserError.class, () -> Splits.load(f, t, LabelSet.TWITTER_FINANCIAL_NEWS, false));
        assertTrue(e.getMessage().startsWith(f + " line 4: unknown label '7'"), e.getMessage());
        Splits.Loaded l = Splits.load(f, t, LabelSet.TWITTER_FINANCIAL_NEWS, true);
        assertEquals(List.of(0, 1), l.examples().stream().map(Example::label).toList());
        assertEquals(2, l.skipped().size());
    }

    @Test
    void labelSetsInferredFromNamesOrIds() {
        LabelSet names = LabelSet.infer(List.of(new RawRow("a", "pos", 2), new RawRow("b", "neg", 3), new RawRow("c", "pos", 4)), "f");
        assertEquals(List.of("neg", "pos"), names.names());
        assertEquals(1, names.resolve("pos"));
        assertEquals(0, names.resolve("0"));
        LabelSet ids = LabelSet.infer(List.of(new RawRow("a", "2", 2), new RawRow("b", "0", 3)), "f");
        assertEquals(List.of("LABEL_0", "LABEL_1", "LABEL_2"), ids.names());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelSet.infer(List.of(new RawRow("a", "pos", 2), new RawRow("b", "1", 3)), "f"));
        assertTrue(e.getMessage().contains("f line 3"), e.getMessage());
    }

    @Test
    void seededSubsetIsPythonsShuffle() {
        List<Example> all = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) all.add(new Example("t" + i, 0, "f", i + 2));
        List<Example> first = Splits.take(all, 3, 42);
        // random.Random(42).shuffle(list(range(1000)))[:3] == [776, 507, 895]
        assertEquals(List.of("t776", "t507", "t895"), first.stream().map(Example::text).toList());
        assertEquals(1000, Splits.take(all, null, 42).size());
        assertEquals(1000, Splits.take(all, 5000, 42).size());
    }

    @Test
    void batchesArePaddedToTheirLongest() {
        var b = Batches.collate(List.of(new Encoded(new int[] {2, 7, 3}, 1), new Encoded(new int[] {2, 3}, 0)), 0, true);
        assertEquals(2, b.B());
        assertEquals(3, b.T());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 7, 3, 2, 3, 0}, b.inputIds());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0}, b.attentionMask());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 0}, b.labels());
    }

    @Test
    void batchesCanBePaddedToAMultiple() {
        var b = Batches.collate(List.of(new Encoded(new int[] {2, 7, 3}, 1), new Encoded(new int[] {2, 3}, 0)), 0, true, 4);
        assertEquals(4, b.T());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 7, 3, 0, 2, 3, 0, 0}, b.inputIds());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 1, 1, 0, 1, 1, 0, 0}, b.attentionMask());
        assertEquals(4, Batches.collate(List.of(new Encoded(new int[] {2, 7, 7, 3}, 1)), 0, true, 4).T(), "a multiple already stays");
    }
}
