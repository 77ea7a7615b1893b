package jbert.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jbert.engine.Scope;
import jbert.engine.bert.Batch;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.cpu.CpuBackend;
import jbert.trainer.TestData;
import jbert.trainer.model.HfFolder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static jbert.trainer.cli.CommandLineTest.jbert;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code predict --json --logits}, the output bench/peers/hf_load_check.py compares with Hugging Face:
 * each line's input_ids are the folder's tokenizer's, its logits are the model's on those ids (each text
 * alone: an example's logits do not depend on its batch), and its probabilities and label follow from them.
 */
class PredictLogitsTest {
    static final String[] TEXTS = {"stock up rally buy", "the market price target for the shares", "crash"};

    @Test
    void logitsAndInputIdsAreTheModelsOnTheFoldersTokens() throws IOException {
        Path model = TestData.tinyBert();
        List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString(), "--device", "cpu", "--json", "--logits"));
        args.addAll(List.of(TEXTS));
        CommandLineTest.Result r = jbert(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(TEXTS.length, lines.size(), r.out());

        HfFolder.Classifier c = HfFolder.loadClassifier(model, null, CpuBackend.INSTANCE, 0);
        BertForSequenceClassification net = c.model();
        net.train(false);
        List<String> labels = List.of("Bearish", "Bullish", "Neutral");
        for (int i = 0; i < TEXTS.length; i++) {
            JsonNode n = new ObjectMapper().readTree(lines.get(i));
            assertEquals(TEXTS[i], n.path("text").asText());
            int[] ids = c.tokenizer().encode(TEXTS[i]).ids();
            assertArrayEquals(ids, ints(n.path("input_ids")), "input_ids of " + TEXTS[i]);

            float[] want;
            try (Scope s = Scope.open()) {
                int T = ids.length;
                int[] ones = new int[T];
                Arrays.fill(ones, 1);
                want = net.logits(new Batch(1, T, ids, new int[T], ones, null)).toArray();   // [1, C]
            }
            double[] got = doubles(n.path("logits"));
            assertEquals(want.length, got.length, "one logit per label: " + lines.get(i));
            for (int k = 0; k < want.length; k++) {
                // The JSON holds each float32 logit exactly.
                assertEquals(want[k], got[k], 0.0, "logit " + k + " of " + TEXTS[i]);
            }

            double max = Arrays.stream(got).max().orElseThrow(), sum = 0;
            for (double g : got) sum += Math.exp(g - max);
            int best = 0;
            for (int k = 0; k < got.length; k++) {
                assertEquals(Math.exp(got[k] - max) / sum, n.path("probabilities").path(labels.get(k)).asDouble(), 1e-12,
                        "probability of " + labels.get(k) + ", from the logits");
                if (got[k] > got[best]) best = k;
            }
            assertEquals(labels.get(best), n.path("label").asText(), "the label is the largest logit's");
        }
    }

    @Test
    void withoutLogitsTheJsonIsUnchanged() throws IOException {
        CommandLineTest.Result r = jbert("predict", "--model", TestData.tinyBert().toString(), "--device", "cpu", "--json", TEXTS[0]);
        assertEquals(0, r.code(), r.err());
        List<String> keys = new ArrayList<>();
        new ObjectMapper().readTree(r.out().strip()).fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("text", "label", "probabilities"), keys);
    }

    @Test
    void logitsWithoutJsonIsAUsageError() {
        CommandLineTest.Result r = jbert("predict", "--model", TestData.tinyBert().toString(), "--device", "cpu", "--logits", TEXTS[0]);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("--logits: needs --json"), r.err());
        assertFalse(r.err().contains("\tat "), "stack trace: " + r.err());
        assertTrue(r.out().isEmpty(), "nothing predicted: " + r.out());
    }

    static int[] ints(JsonNode array) {
        int[] a = new int[array.size()];
        for (int i = 0; i < a.length; i++) a[i] = array.get(i).asInt();
        return a;
    }

    static double[] doubles(JsonNode array) {
        double[] a = new double[array.size()];
        for (int i = 0; i < a.length; i++) a[i] = array.get(i).asDouble();
        return a;
    }
}
