package jbert.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Lifetime of temporary tensors. Every tensor made while a scope is open belongs to it and its storage
 * goes back to the backend's allocator when the scope closes, unless {@link Tensor#keep()} moved it
 * out. A training step ({@link jbert.engine.train.TrainStep}) runs its forward and backward inside one
 * scope, so activations, their gradients and the graph are freed together, before the optimizer's
 * update, and the allocator reuses the same blocks next step. Tensors made with no scope open
 * (parameters, their gradients, optimizer moments) live until released by hand or collected.
 * <pre>{@code
 * try (Scope s = Scope.open(); Grad.NoGrad ng = Grad.disabled()) {
 *     float[] logits = model.logits(batch).toArray();   // a host copy outlives the scope
 * }
 * }</pre>
 * Scopes nest: the fast plan's inference runs each block in an inner scope and hands only its output
 * to the enclosing one ({@link #handToParent}).
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Scope parent;
    private final List<Tensor> owned = new ArrayList<>();
    private boolean closed;

    private Scope(Scope parent) { this.parent = parent; }

    public static Scope open() {
        Scope s = new Scope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** Runs {@code body} with no scope open: what it makes is persistent. */
    public static <T> T persistent(java.util.function.Supplier<T> body) {
        Scope saved = CURRENT.get();
        CURRENT.remove();
        try { return body.get(); } finally { if (saved != null) CURRENT.set(saved); }
    }

    static void register(Tensor t) {
        Scope s = CURRENT.get();
        if (s != null) { s.owned.add(t); t.scope = s; }
    }

    void forget(Tensor t) { owned.remove(t); }

    /**
     * Moves {@code t}, which must belong to this scope and own its storage (not a view), to the
     * enclosing scope: it survives this scope's close and is freed with the parent's (or lives on,
     * when there is no parent).
     */
    public Tensor handToParent(Tensor t) {
        if (t.scope != this) throw new IllegalStateException(t.describe() + " does not belong to this scope");
        if (!t.ownsStorage()) throw new IllegalStateException(t.describe() + " is a view; hand over the tensor that owns its storage");
        t.scope = parent;
        if (parent != null) parent.owned.add(t);
        return t;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Tensor t : owned) if (t.scope == this) t.release();
        owned.clear();
        CURRENT.set(parent);
        if (parent == null) CURRENT.remove();
    }
}
