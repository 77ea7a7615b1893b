package jbert.trainer.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {
    @TempDir Path tmp;

    static final List<String> LABELS = List.of("Bearish", "Bullish", "Neutral");

    /** sklearn.metrics.classification_report / confusion_matrix on the same lists give these numbers. */
    @Test
    void metricsFollowSklearn() {
        int[] gold = {0, 0, 1, 1, 2, 2, 2}, pred = {0, 1, 1, 1, 2, 0, 2};
        ClassificationMetrics m = ClassificationMetrics.of(LABELS, gold, pred);
        assertArrayEquals(new long[] {1, 1, 0}, m.confusion()[0]);
        assertArrayEquals(new long[] {0, 2, 0}, m.confusion()[1]);
        assertArrayEquals(new long[] {1, 0, 2}, m.confusion()[2]);
        assertEquals(5 / 7.0, m.accuracy(), 1e-15);
        assertEquals(0.5, m.perClass().get(0).precision(), 1e-15);
        assertEquals(2 / 3.0, m.perClass().get(1).precision(), 1e-15);
        assertEquals(1.0, m.perClass().get(1).recall(), 1e-15);
        assertEquals(0.8, m.perClass().get(2).f1(), 1e-15);
        assertEquals(0.7, m.macroF1(), 1e-15);
        assertEquals(3, m.perClass().get(2).support());
        // A class never predicted: precision 0 (zero_division=0), not NaN.
        ClassificationMetrics z = ClassificationMetrics.of(LABELS, new int[] {0, 1, 2}, new int[] {2, 2, 2});
        assertEquals(0.0, z.perClass().get(0).precision());
        assertEquals((0 + 0 + 0.5) / 3, z.macroF1(), 1e-15);
    }

    static RunMetrics sampleRun() {
        RunMetrics r = new RunMetrics();
        r.seed = 42;
        r.config.put("model", "bert-base-uncased");
        r.config.put("lr", 5e-5);
        r.data.put("train_examples", 1000);
        r.data.put("eval_examples", 1000);
        r.versions.put("jbert", "test");
        for (int s = 1; s <= 30; s++) r.steps.add(new StepLog(s, s / 10.0, 1.1 - s * 0.02, 5e-5 * (30 - s + 1) / 30, 3.0, 9.5, s * 1.0));
        ClassificationMetrics base = ClassificationMetrics.of(LABELS, new int[] {0, 1, 2, 2, 2}, new int[] {0, 0, 0, 0, 0});
        ClassificationMetrics fine = ClassificationMetrics.of(LABELS, new int[] {0, 1, 2, 2, 2}, new int[] {0, 1, 2, 2, 1});
        r.evals.add(new EvalLog("base", 0, 0, 1.1, 2.0, base));
        r.evals.add(new EvalLog("epoch 1", 10, 1, 0.7, 2.0, fine));
        r.evals.add(new EvalLog("epoch 2", 20, 2, 0.6, 2.0, fine));
        r.result.put("train_seconds", 30.0);
        r.result.put("total_seconds", 40.0);
        r.result.put("train_examples_per_second", 9.5);
        return r;
    }

    @Test
    void reportLeadsWithBaseAgainstFineTuned() {
        String md = Report.markdown(sampleRun(), true);
        assertTrue(md.contains("| base (pretrained encoder, new classification head) | 0.2000 |"), md);
        assertTrue(md.contains("| fine-tuned (epoch 2, step 20) | 0.8000 |"), md);
        assertTrue(md.contains("Improvement: **+0.6000** accuracy absolute (+60.0 points), **+300.0%** relative."), md);
        assertTrue(md.contains("| epoch 1 | 10 | 0.8000 |"), md);
        assertTrue(md.contains("| true \\ predicted | Bearish | Bullish | Neutral |"), md);
        assertTrue(md.contains("| **Neutral** | 0 | 1 | 2 |"), md);
        assertTrue(md.contains("![confusion matrix](confusion_matrix.png)"), md);
        assertTrue(md.contains("| **macro avg** |"), md);
    }

    @Test
    void chartsAreRealPngs() throws IOException {
        RunMetrics r = sampleRun();
        Charts.lossAndLr(r.steps, tmp.resolve("loss.png"));
        Charts.accuracy(r.evals, tmp.resolve("acc.png"));
        Charts.confusion(r.last().metrics(), "Confusion matrix", tmp.resolve("cm.png"));
        for (String f : List.of("loss.png", "acc.png", "cm.png")) {
            BufferedImage img = ImageIO.read(tmp.resolve(f).toFile());
            assertNotNull(img, f + " is not an image");
            assertTrue(img.getWidth() >= 450 && img.getHeight() >= 450 || f.equals("loss.png") || f.equals("acc.png"), f);
            // Something was drawn: more than one colour.
            int first = img.getRGB(0, 0);
            boolean varied = false;
            for (int y = 0; y < img.getHeight() && !varied; y += 7) for (int x = 0; x < img.getWidth(); x += 7) if (img.getRGB(x, y) != first) { varied = true; break; }
            assertTrue(varied, f + " is blank");
        }
        assertEquals(900, ImageIO.read(tmp.resolve("loss.png").toFile()).getWidth());
        try (var s = Files.list(tmp)) { assertEquals(3, s.count(), "no temp files left"); }
    }

    @Test
    void metricsJsonRoundTrips() throws IOException {
        RunMetrics r = sampleRun();
        Json.writeAtomically(tmp.resolve("metrics.json"), r);
        RunMetrics back = Json.MAPPER.readValue(tmp.resolve("metrics.json").toFile(), RunMetrics.class);
        assertEquals(r.steps, back.steps);
        assertEquals(r.evals.size(), back.evals.size());
        assertEquals(r.last().accuracy(), back.last().accuracy());
        assertArrayEquals(r.last().metrics().confusion()[2], back.last().metrics().confusion()[2]);
        String json = Files.readString(tmp.resolve("metrics.json"));
        assertTrue(json.contains("\"grad_norm\"") && json.contains("\"examples_per_second\"") && json.contains("\"macro_f1\""), json.substring(0, 300));
    }
}
