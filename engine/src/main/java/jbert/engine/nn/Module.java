package jbert.engine.nn;

import jbert.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A layer: named parameters and named child layers, like {@code torch.nn.Module}. The dotted names of
 * {@link #namedParameters()} are Hugging Face state-dict keys (e.g.
 * {@code bert.encoder.layer.0.attention.self.query.weight}), so loading and saving HF files is a
 * lookup by name.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a parameter: a persistent tensor that requires a gradient. */
    protected final Tensor parameter(String name, Tensor t) {
        t.keep().requireGrad();
        parameters.put(name, t);
        return t;
    }

    /** Registers a child layer under {@code name}. */
    protected final <M extends Module> M child(String name, M module) {
        children.put(name, module);
        return module;
    }

    /** Every parameter, depth first in registration order, under its full dotted name. */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out) {
        parameters.forEach((name, t) -> {
            String full = prefix + name;
            if (t.name() == null) t.named(full);
            out.put(full, t);
        });
        children.forEach((name, m) -> m.collect(prefix + name + ".", out));
    }

    /** Training mode turns dropout on; evaluation mode off. Applies to all children. */
    public final void train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
    }

    public final boolean isTraining() { return training; }

    /** Number of parameter elements. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) n += t.size();
        return n;
    }
}
