package jbert.trainer.train;

import jbert.engine.Backend;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.cpu.CpuBackend;
import jbert.trainer.TestData;
import jbert.trainer.data.Encoded;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Evaluation batches examples of similar lengths together; each example's logits must not depend on
 * that: bit for bit those of a batch of one (no padding at all), in the input's order.
 */
class EvaluatorTest {
    @ParameterizedTest
    @ValueSource(strings = {"fast", "reference"})
    void logitsAreThoseOfBatchesOfOneInInputOrder(String which) {
        Backend be = which.equals("fast") ? CpuBackend.INSTANCE : CpuBackend.reference();
        TrainerTest.data();
        List<Encoded> data = TrainerTest.encode(TestData.sentiment(37, 9));
        int lengths = (int) data.stream().mapToInt(e -> e.ids().length).distinct().count();
        assertTrue(lengths >= 4, "examples of several lengths: " + lengths);
        BertForSequenceClassification model = TrainerTest.tinyModel(42, be);
        float[][] batched = Evaluator.logits(model, data, 8, 0, null);
        float[][] single = Evaluator.logits(model, data, 1, 0, null);
        assertEquals(data.size(), batched.length);
        for (int i = 0; i < data.size(); i++) assertArrayEquals(single[i], batched[i], "example " + i);
    }

    @org.junit.jupiter.api.Test
    void byLengthSortsShortestFirstAndKeepsTiesInOrder() {
        List<Encoded> data = List.of(new Encoded(new int[3], 0), new Encoded(new int[1], 1), new Encoded(new int[3], 2),
                new Encoded(new int[2], 0));
        assertArrayEquals(new int[]{1, 3, 0, 2}, Evaluator.byLength(data));
    }
}
