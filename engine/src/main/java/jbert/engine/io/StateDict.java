package jbert.engine.io;

import jbert.engine.Tensor;
import jbert.engine.nn.Module;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loading weights into a {@link Module} by name, and exporting them, like torch's
 * {@code load_state_dict} as Hugging Face's {@code from_pretrained} drives it.
 *
 * <p>Loading matches HF's behaviour:
 * <ul>
 *   <li>Old LayerNorm names {@code *.gamma} / {@code *.beta} are read as {@code *.weight} / {@code *.bias}.</li>
 *   <li>The base-model prefix {@code bert.} is added or dropped when the file and the model disagree
 *       (a BertModel checkpoint loads into a classifier, and the other way round).</li>
 *   <li>{@code cls.predictions.decoder.bias} stands in for {@code cls.predictions.bias}; the decoder
 *       weight is tied to the word embeddings, so a stored copy is ignored; {@code position_ids}
 *       buffers are ignored.</li>
 *   <li>Weights the model has no place for (pretraining heads when building a classifier) are
 *       reported as unexpected. Missing head weights (pooler, classifier, MLM head) keep their fresh
 *       initialisation and are reported. A missing embedding or encoder weight is an error.</li>
 *   <li>Every shape is checked before anything is copied, so a failed load leaves the model untouched.</li>
 * </ul>
 */
public final class StateDict {
    private StateDict() {}

    /** What a load did, in HF's terms. */
    public record LoadReport(String origin, String modelName, List<String> loaded, List<String> newlyInitialized,
                             List<String> unexpected, List<String> ignored) {
        /** HF's two warnings, or an empty string when everything matched. */
        public String summary() {
            StringBuilder s = new StringBuilder();
            if (!unexpected.isEmpty()) {
                s.append("Some weights of the model checkpoint at ").append(origin).append(" were not used when initializing ")
                        .append(modelName).append(": ").append(unexpected)
                        .append("\n- This IS expected if you are initializing ").append(modelName)
                        .append(" from the checkpoint of a model trained on another task or with another architecture.\n");
            }
            if (!newlyInitialized.isEmpty()) {
                s.append("Some weights of ").append(modelName).append(" were not initialized from the model checkpoint at ")
                        .append(origin).append(" and are newly initialized: ").append(newlyInitialized)
                        .append("\nYou should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.\n");
            }
            return s.toString();
        }
    }

    /** Loads {@code source} into {@code model}; see the class comment for the rules. */
    public static LoadReport load(Module model, TensorSource source) {
        Map<String, Tensor> params = model.namedParameters();
        String origin = source.origin();
        String modelName = model.getClass().getSimpleName();
        boolean modelPrefixed = params.keySet().stream().anyMatch(k -> k.startsWith("bert."));
        boolean filePrefixed = source.names().stream().anyMatch(k -> k.startsWith("bert."));

        // 1. Map each file key to a model key (or to nothing).
        Map<String, String> plan = new LinkedHashMap<>();   // model key -> file key
        List<String> unexpected = new ArrayList<>(), ignored = new ArrayList<>();
        for (String fileKey : source.names()) {
            String k = fileKey;
            if (k.endsWith(".gamma")) k = k.substring(0, k.length() - ".gamma".length()) + ".weight";
            else if (k.endsWith(".beta")) k = k.substring(0, k.length() - ".beta".length()) + ".bias";
            if (modelPrefixed && !filePrefixed && (k.startsWith("embeddings.") || k.startsWith("encoder.") || k.startsWith("pooler."))) {
                k = "bert." + k;
            } else if (!modelPrefixed && filePrefixed && k.startsWith("bert.")) {
                k = k.substring("bert.".length());
            }
            if (k.endsWith("position_ids") || k.endsWith("token_type_ids")) { ignored.add(fileKey); continue; }
            if (k.equals("cls.predictions.decoder.weight") && !params.containsKey(k)) { ignored.add(fileKey); continue; }
            if (k.equals("cls.predictions.decoder.bias") && !params.containsKey(k)) {
                if (source.contains("cls.predictions.bias")) { ignored.add(fileKey); continue; }
                k = "cls.predictions.bias";
            }
            if (!params.containsKey(k)) { unexpected.add(fileKey); continue; }
            String clash = plan.put(k, fileKey);
            if (clash != null) {
                throw ModelFormatException.in(origin, "tensors " + clash + " and " + fileKey + " both load into " + k);
            }
        }

        // 2. Missing weights: heads are initialised, the body must be there. Shapes must agree.
        List<String> fresh = new ArrayList<>(), missingBody = new ArrayList<>();
        for (Map.Entry<String, Tensor> p : params.entrySet()) {
            String k = p.getKey();
            String fileKey = plan.get(k);
            if (fileKey == null) {
                String body = modelPrefixed ? k.replaceFirst("^bert\\.", "") : k;
                if (k.equals(body) && modelPrefixed) fresh.add(k);   // classifier.*, cls.*: outside the base model
                else if (body.startsWith("embeddings.") || body.startsWith("encoder.")) missingBody.add(k);
                else fresh.add(k);                                     // pooler
                continue;
            }
            int[] fileShape = source.shape(fileKey);
            if (!Arrays.equals(fileShape, p.getValue().shape())) {
                throw ModelFormatException.tensor(origin, fileKey, "shape " + Arrays.toString(fileShape) + " in the file, but "
                        + k + " in " + modelName + " is " + Arrays.toString(p.getValue().shape()));
            }
        }
        if (!missingBody.isEmpty()) {
            throw ModelFormatException.in(origin, "missing weight " + missingBody.get(0)
                    + (missingBody.size() > 1 ? " (and " + (missingBody.size() - 1) + " more)" : "")
                    + ": not a complete " + modelName + " checkpoint");
        }

        // 3. Copy.
        List<String> loaded = new ArrayList<>();
        for (Map.Entry<String, String> e : plan.entrySet()) {
            params.get(e.getKey()).copyFrom(source.read(e.getValue()).data());
            loaded.add(e.getKey());
        }
        return new LoadReport(origin, modelName, loaded, fresh, unexpected, ignored);
    }

    /** Loads tensors held in memory. */
    public static LoadReport load(Module model, String origin, Map<String, HostTensor> tensors) {
        return load(model, TensorSource.of(origin, tensors));
    }

    /** Every parameter as a host tensor, under its HF name, in the model's order. */
    public static Map<String, HostTensor> export(Module model) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        model.namedParameters().forEach((k, t) -> out.put(k, new HostTensor(t.shape(), t.toArray())));
        return out;
    }
}
