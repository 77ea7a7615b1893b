package jbert.engine.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jbert.engine.Backend;
import jbert.engine.Backends;
import jbert.engine.Scope;
import jbert.engine.SharedFiles;
import jbert.engine.Tensor;
import jbert.engine.bert.fast.FastPlan;
import jbert.engine.io.HostTensor;
import jbert.engine.io.Safetensors;
import jbert.engine.io.TensorSource;
import jbert.engine.optim.AdamW;
import jbert.engine.optim.GradClip;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 2-layer tiny BERT of ../shared/golden/tiny-bert against its float64 Hugging Face reference:
 * activations, logits and loss within 1e-5 absolute; every gradient within 1e-4 relative L2 error
 * (attention key biases, whose exact gradient is zero, within 1e-8 absolute); then 5 AdamW steps with
 * clipping and weight-decay groups: the 6 losses and every final weight within 1e-5. Through the
 * default (fast) plan and through the textbook block, on both CPU backends.
 */
public class TinyBertGoldenTest {
    static final String DIR = "golden/tiny-bert/";

    /** Runs the whole golden protocol on one backend, through the default (fast) plan; shared with the GPU test in kernels. */
    public static void runGolden(Backend be) throws IOException {
        runGolden(be, FastPlan.INSTANCE);
    }

    /** The whole golden protocol on one backend, the encoder's blocks run by {@code plan}. */
    static void runGolden(Backend be, LayerPlan plan) throws IOException {
        JsonNode ref = referenceJson();
        BertForSequenceClassification model = model(be, plan);
        Map<String, Tensor> params = model.namedParameters();
        Batch batch = batch(ref);
        try (TensorSource golden = Safetensors.open(SharedFiles.require(DIR + "reference.safetensors"))) {
            // Forward: every stage within 1e-5 absolute of the float64 reference.
            try (Scope s = Scope.open()) {
                assertClose("embedding_output", golden.read("embedding_output"), model.bert().embeddings().forward(batch), 1e-5);
                BertModel.Output out = model.bert().forward(batch);
                assertClose("last_hidden_state", golden.read("last_hidden_state"), out.lastHiddenState(), 1e-5);
                assertClose("pooler_output", golden.read("pooler_output"), out.pooled(), 1e-5);
                assertClose("logits", golden.read("logits"), model.logits(batch), 1e-5);
                Tensor loss = model.loss(batch);
                assertEquals(golden.read("loss").data()[0], loss.item(), 1e-5, "loss");
                loss.backward();
            }
            // Backward: every parameter's gradient.
            for (var e : params.entrySet()) {
                HostTensor want = golden.read("grad." + e.getKey());
                float[] got = e.getValue().grad().toArray();
                if (e.getKey().endsWith("attention.self.key.bias")) {
                    // Exactly zero in exact arithmetic (softmax ignores a shift shared by all keys).
                    for (float g : got) assertTrue(Math.abs(g) <= 1e-8, e.getKey() + " gradient " + g + " is not ~0");
                } else {
                    double rel = relativeL2(want.data(), got);
                    assertTrue(rel <= 1e-4, "grad." + e.getKey() + " relative L2 error " + rel);
                }
            }
            // Five AdamW steps (lr 1e-3, wd 0.01 except biases/LayerNorm, clip 1.0) on the same batch.
            JsonNode opt = ref.get("optimizer");
            AdamW adamw = new AdamW(params, opt.get("lr").asDouble(), opt.get("betas").get(0).asDouble(),
                    opt.get("betas").get(1).asDouble(), opt.get("eps").asDouble(), opt.get("weight_decay").asDouble(),
                    AdamW::isNoDecay);
            JsonNode losses = ref.get("losses_before_each_step_and_after_last");
            JsonNode norms = ref.get("grad_norm_before_clipping");
            for (int step = 0; step < 5; step++) {
                if (step > 0) {
                    adamw.zeroGrad();
                    try (Scope s = Scope.open()) {
                        Tensor loss = model.loss(batch);
                        assertEquals(losses.get(step).asDouble(), loss.item(), 1e-5, "loss before step " + step);
                        loss.backward();
                    }
                }
                double norm = GradClip.clipGradNorm(params.values(), opt.get("max_grad_norm").asDouble());
                assertEquals(norms.get(step).asDouble(), norm, 1e-5, "gradient norm at step " + step);
                adamw.step();
            }
            try (Scope s = Scope.open()) {
                assertEquals(losses.get(5).asDouble(), model.loss(batch).item(), 1e-5, "loss after the last step");
            }
            for (var e : params.entrySet()) {
                assertClose("after5." + e.getKey(), golden.read("after5." + e.getKey()), e.getValue(), 1e-5);
            }
        }
    }

    @Test void cpuMatchesTheFloat64Reference() throws IOException {
        runGolden(Backends.cpu());
    }

    @Test void scalarReferenceKernelsMatchToo() throws IOException {
        runGolden(jbert.engine.cpu.CpuBackend.reference());
    }

    @Test void textbookPlanMatchesTheFloat64Reference() throws IOException {
        runGolden(Backends.cpu(), LayerPlan.TEXTBOOK);
    }

    @Test void textbookPlanOnTheScalarReferenceKernelsMatchesToo() throws IOException {
        runGolden(jbert.engine.cpu.CpuBackend.reference(), LayerPlan.TEXTBOOK);
    }

    /**
     * The golden's model on {@code be}, its encoder's blocks run by {@code plan}: the config of
     * config.json with dropout 0 (as the reference ran) and the float32 weights of model.safetensors.
     * Shared with the optimizer golden ({@code jbert.engine.train.OptimGoldenTest}).
     */
    public static BertForSequenceClassification model(Backend be, LayerPlan plan) throws IOException {
        BertConfig config = tinyConfig(SharedFiles.require(DIR + "config.json"));
        BertForSequenceClassification model = new BertForSequenceClassification(config, be, 0, plan);
        try (TensorSource weights = Safetensors.open(SharedFiles.require(DIR + "model.safetensors"))) {
            for (var e : model.namedParameters().entrySet()) e.getValue().copyFrom(weights.read(e.getKey()).data());
        }
        return model;
    }

    /** reference.json: the batch, the optimizer's settings, the losses and norms of the 5 steps. */
    public static JsonNode referenceJson() throws IOException {
        return new ObjectMapper().readTree(SharedFiles.require(DIR + "reference.json").toFile());
    }

    static BertConfig tinyConfig(Path configJson) throws IOException {
        JsonNode c = new ObjectMapper().readTree(configJson.toFile());
        BertConfig config = new BertConfig();
        config.vocabSize = c.get("vocab_size").asInt();
        config.hiddenSize = c.get("hidden_size").asInt();
        config.numHiddenLayers = c.get("num_hidden_layers").asInt();
        config.numAttentionHeads = c.get("num_attention_heads").asInt();
        config.intermediateSize = c.get("intermediate_size").asInt();
        config.maxPositionEmbeddings = c.get("max_position_embeddings").asInt();
        config.typeVocabSize = c.get("type_vocab_size").asInt();
        config.layerNormEps = c.get("layer_norm_eps").asDouble();
        config.id2label = BertConfig.defaultLabels(c.get("id2label").size());
        // The reference ran with dropout 0.
        config.hiddenDropoutProb = 0;
        config.attentionProbsDropoutProb = 0;
        config.classifierDropout = 0.0;
        return config;
    }

    /** The batch of reference.json: 4 x 12 ids with padding, a second segment in row 0, labels. */
    public static Batch batch(JsonNode ref) {
        int B = ref.get("input_ids").size(), T = ref.get("input_ids").get(0).size();
        int[] ids = new int[B * T], types = new int[B * T], mask = new int[B * T], labels = new int[B];
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                ids[b * T + t] = ref.get("input_ids").get(b).get(t).asInt();
                types[b * T + t] = ref.get("token_type_ids").get(b).get(t).asInt();
                mask[b * T + t] = ref.get("attention_mask").get(b).get(t).asInt();
            }
            labels[b] = ref.get("labels").get(b).asInt();
        }
        return new Batch(B, T, ids, types, mask, labels);
    }

    /** Asserts every element of {@code got} within {@code tol} (absolute) of {@code want}. */
    public static void assertClose(String what, HostTensor want, Tensor got, double tol) {
        assertEquals(want.size(), got.size(), what + ": size " + java.util.Arrays.toString(want.shape()) + " vs " + got.describe());
        float[] g = got.toArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < g.length; i++) {
            double d = Math.abs(g[i] - (double) want.data()[i]);
            if (d > worst) { worst = d; at = i; }
        }
        assertTrue(worst <= tol, what + ": max abs error " + worst + " at " + at);
    }

    static double relativeL2(float[] want, float[] got) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - (double) want[i];
            num += d * d;
            den += (double) want[i] * want[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }
}
