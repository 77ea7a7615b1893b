package jbert.engine.io;

import jbert.engine.SharedFiles;
import jbert.engine.Backends;
import jbert.engine.bert.BertConfig;
import jbert.engine.bert.BertForMaskedLM;
import jbert.engine.bert.BertForSequenceClassification;
import jbert.engine.bert.BertModel;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class StateDictTest {
    private static final String ORIGIN = "tiny/model.safetensors";

    private static BertConfig config() { return ConfigJson.read(SharedFiles.require("golden/tiny-bert/config.json")); }

    private static Map<String, HostTensor> tinyWeights() {
        try (SafetensorsFile f = SafetensorsFile.open(SharedFiles.require("golden/tiny-bert/model.safetensors"))) {
            return f.readAll();
        }
    }

    private static BertForSequenceClassification classifier() {
        return new BertForSequenceClassification(config(), Backends.cpu(), 99);
    }

    @Test
    void loadsEveryWeightAndExportsThemUnchanged() {
        Map<String, HostTensor> w = tinyWeights();
        BertForSequenceClassification m = classifier();
        StateDict.LoadReport r = StateDict.load(m, ORIGIN, w);
        assertEquals(w.size(), r.loaded().size());
        assertTrue(r.newlyInitialized().isEmpty() && r.unexpected().isEmpty() && r.ignored().isEmpty());
        assertEquals("", r.summary());
        Map<String, HostTensor> out = StateDict.export(m);
        assertEquals(w.keySet(), out.keySet());
        for (String k : w.keySet()) assertEquals(w.get(k), out.get(k), k);
    }

    @Test
    void acceptsGammaBetaAndIgnoresPretrainingHeadsAndPositionIds() {
        Map<String, HostTensor> w = new LinkedHashMap<>();
        tinyWeights().forEach((k, v) -> {
            if (k.startsWith("classifier.")) return;
            w.put(k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"), v);
        });
        w.put("bert.embeddings.position_ids", new HostTensor(new int[]{1, 64}, new float[64]));
        w.put("cls.predictions.bias", new HostTensor(new int[]{128}, new float[128]));
        w.put("cls.seq_relationship.weight", new HostTensor(new int[]{2, 32}, new float[64]));
        BertForSequenceClassification m = classifier();
        HostTensor headBefore = StateDict.export(m).get("classifier.weight");
        StateDict.LoadReport r = StateDict.load(m, ORIGIN, w);
        assertEquals(List.of("classifier.weight", "classifier.bias"), r.newlyInitialized());
        assertEquals(List.of("cls.predictions.bias", "cls.seq_relationship.weight"), r.unexpected());
        assertEquals(List.of("bert.embeddings.position_ids"), r.ignored());
        assertTrue(r.summary().contains("newly initialized: [classifier.weight, classifier.bias]"), r.summary());
        assertTrue(r.summary().contains("were not used when initializing BertForSequenceClassification"), r.summary());
        Map<String, HostTensor> out = StateDict.export(m);
        assertEquals(tinyWeights().get("bert.embeddings.LayerNorm.weight"), out.get("bert.embeddings.LayerNorm.weight"));
        assertEquals(headBefore, out.get("classifier.weight"), "the missing head keeps its initialisation");
    }

    @Test
    void missingEncoderWeightIsAnError() {
        Map<String, HostTensor> w = tinyWeights();
        w.remove("bert.encoder.layer.1.output.dense.weight");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> StateDict.load(classifier(), ORIGIN, w));
        assertEquals(ORIGIN + ": missing weight bert.encoder.layer.1.output.dense.weight: not a complete BertForSequenceClassification checkpoint",
                e.getMessage());
    }

    @Test
    void shapeMismatchNamesTensorAndBothShapesAndLeavesModelUntouched() {
        Map<String, HostTensor> w = tinyWeights();
        w.put("bert.pooler.dense.weight", new HostTensor(new int[]{32, 16}, new float[512]));
        BertForSequenceClassification m = classifier();
        Map<String, HostTensor> before = StateDict.export(m);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> StateDict.load(m, ORIGIN, w));
        assertEquals(ORIGIN + ": tensor bert.pooler.dense.weight: shape [32, 16] in the file, but bert.pooler.dense.weight in "
                + "BertForSequenceClassification is [32, 32]", e.getMessage());
        Map<String, HostTensor> after = StateDict.export(m);
        for (String k : before.keySet()) assertEquals(before.get(k), after.get(k), k);
    }

    @Test
    void baseModelPrefixIsAddedOrDropped() {
        Map<String, HostTensor> noPrefix = new LinkedHashMap<>();
        tinyWeights().forEach((k, v) -> { if (k.startsWith("bert.")) noPrefix.put(k.substring(5), v); });
        BertForSequenceClassification m = classifier();
        StateDict.LoadReport r = StateDict.load(m, ORIGIN, noPrefix);
        assertEquals(List.of("classifier.weight", "classifier.bias"), r.newlyInitialized());
        assertEquals(tinyWeights().get("bert.pooler.dense.weight"), StateDict.export(m).get("bert.pooler.dense.weight"));

        BertModel base = new BertModel(config(), Backends.cpu(), 5);
        StateDict.LoadReport rb = StateDict.load(base, ORIGIN, tinyWeights());
        assertEquals(List.of("classifier.bias", "classifier.weight"), rb.unexpected().stream().sorted().toList());
        assertEquals(tinyWeights().get("bert.pooler.dense.weight"), StateDict.export(base).get("pooler.dense.weight"));
    }

    @Test
    void maskedLmTakesDecoderBiasAndIgnoresTiedDecoderWeight() {
        Map<String, HostTensor> w = tinyWeights();
        w.remove("classifier.weight");
        w.remove("classifier.bias");
        float[] bias = new float[128];
        for (int i = 0; i < bias.length; i++) bias[i] = i * 0.01f;
        w.put("cls.predictions.decoder.bias", new HostTensor(new int[]{128}, bias));
        w.put("cls.predictions.decoder.weight", w.get("bert.embeddings.word_embeddings.weight"));
        BertForMaskedLM mlm = new BertForMaskedLM(config(), Backends.cpu(), 1);
        StateDict.LoadReport r = StateDict.load(mlm, ORIGIN, w);
        assertArrayEquals(bias, StateDict.export(mlm).get("cls.predictions.bias").data());
        assertEquals(List.of("cls.predictions.decoder.weight"), r.ignored());
        assertTrue(r.unexpected().contains("bert.pooler.dense.weight"), "BertForMaskedLM has no pooler");
        assertEquals(4, r.newlyInitialized().size(), "the MLM transform is reported: " + r.newlyInitialized());
    }
}
