package jbert.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * An n-dimensional float32 array: a shape, row-major contiguous storage on one {@link Backend}, and the
 * autograd bookkeeping (gradient, creator op).
 *
 * <p>Storage is always contiguous; there are no strided views. A {@link #reshape} shares storage; a
 * permute copies. That keeps every kernel a plain loop over a flat array, at the price of a copy in the
 * few places (attention heads) where a view would do.
 */
public final class Tensor {
    private final Backend backend;
    private Storage storage;
    private final int[] shape;
    private final long size;
    /** False for a view ({@link #reshape}): its storage belongs to another tensor, which frees it. */
    private final boolean ownsStorage;

    private boolean requiresGrad;
    private Tensor grad;
    private Op gradFn;
    private String name;
    Scope scope;

    private Tensor(Backend backend, Storage storage, int[] shape, boolean ownsStorage) {
        this.backend = backend;
        this.ownsStorage = ownsStorage;
        this.shape = shape.clone();
        this.size = numel(shape);
        if (storage.size() < size) {
            throw new IllegalArgumentException("storage of " + storage.size() + " floats is too small for shape "
                    + Arrays.toString(shape));
        }
        this.storage = storage;
        Scope.register(this);
    }

    // ---- creation ---------------------------------------------------------------------------------

    /** A zero tensor. */
    public static Tensor zeros(Backend backend, int... shape) {
        return new Tensor(backend, backend.allocate(numel(shape)), shape, true);
    }

    /**
     * A tensor whose elements are undefined until written: an op's output that its forward kernel
     * overwrites whole ({@link Backend#allocateUninitialised}). Anything accumulated into (+=), such
     * as a gradient, must start from {@link #zeros}.
     */
    public static Tensor empty(Backend backend, int... shape) {
        return new Tensor(backend, backend.allocateUninitialised(numel(shape)), shape, true);
    }

    /** A tensor holding a copy of {@code data} (row-major). */
    public static Tensor of(Backend backend, float[] data, int... shape) {
        if (data.length != numel(shape)) {
            throw new IllegalArgumentException("data of " + data.length + " floats does not fit shape "
                    + Arrays.toString(shape));
        }
        return new Tensor(backend, backend.upload(data), shape, true);
    }

    /** A view: a new shape over another tensor's storage, which stays owned by that tensor. */
    public static Tensor view(Tensor of, int... shape) {
        return new Tensor(of.backend, of.storage(), shape, false);
    }

    /** A zero tensor of the same shape and backend. */
    public Tensor zerosLike() { return zeros(backend, shape); }

    /** An {@link #empty} tensor of the same shape and backend. */
    public Tensor emptyLike() { return empty(backend, shape); }

    // ---- shape ----------------------------------------------------------------------------------

    public int[] shape() { return shape.clone(); }
    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }
    public int rank() { return shape.length; }
    public long size() { return size; }
    public Backend backend() { return backend; }

    /** The storage; throws once the tensor was released. */
    public Storage storage() {
        if (storage == null) throw new IllegalStateException("tensor " + describe() + " was released");
        return storage;
    }

    public static long numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        return n;
    }

    /** Same data, new shape (shares storage; records a graph node so gradients flow). */
    public Tensor reshape(int... newShape) {
        return jbert.engine.ops.Reshape.forward(this, newShape);
    }

    // ---- data -----------------------------------------------------------------------------------

    /** A host copy of the data. */
    public float[] toArray() { return backend.download(storage()); }

    /** The single value of a one-element tensor. */
    public float item() {
        if (size != 1) throw new IllegalStateException("item() of " + describe() + ": not a scalar");
        return toArray()[0];
    }

    /** Overwrites the data from a host array of the same size. */
    public void copyFrom(float[] data) {
        if (data.length != size) {
            throw new IllegalArgumentException("copyFrom: " + data.length + " floats into " + describe());
        }
        backend.upload(data, storage());
    }

    // ---- lifetime -------------------------------------------------------------------------------

    /** Moves this tensor out of its scope: it survives the scope's close. */
    public Tensor keep() {
        if (scope != null) { scope.forget(this); scope = null; }
        return this;
    }

    /** Returns the storage to the backend now. Reshaped views share it: release only the owner. */
    public void release() {
        if (storage != null && ownsStorage) backend.release(storage);
        storage = null;
        gradFn = null;
    }

    public boolean released() { return storage == null; }

    /** False for a view made by {@link #view} or {@link #reshape}: another tensor frees the storage. */
    boolean ownsStorage() { return ownsStorage; }

    // ---- autograd -------------------------------------------------------------------------------

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf (a parameter) as needing a gradient. */
    public Tensor requireGrad() { this.requiresGrad = true; return this; }

    /** dL/d(this): kept on leaves (parameters) until the optimizer zeroes it; null on intermediate
     *  tensors once backward has passed them (see {@link #backward(float[])}). */
    public Tensor grad() { return grad; }
    public Op gradFn() { return gradFn; }

    void setGradFn(Op op) {
        if (this.gradFn != null) throw new IllegalStateException(describe() + " already has a creator op");
        this.gradFn = op;
        this.requiresGrad = true;
    }

    /**
     * The gradient buffer backward accumulates into, made (zeroed) on first use. A leaf's gradient is
     * persistent (it outlives the step's scope: the optimizer reads it); an intermediate's belongs to
     * the current scope.
     */
    public Tensor gradForAccumulation() {
        if (grad == null) {
            grad = gradFn == null ? Scope.persistent(this::zerosLike) : zerosLike();
        }
        return grad;
    }

    /** Drops the gradient (the optimizer zeroes instead, to keep buffers). */
    public void clearGrad() { grad = null; }

    /**
     * Reverse-mode differentiation from this scalar: seeds dL/dL = 1, visits the graph in reverse
     * topological order (each op after every op that consumed its output) and calls each op's backward.
     */
    public void backward() {
        if (size != 1) throw new IllegalStateException("backward() needs a scalar; got " + describe());
        backward(new float[]{1f});
    }

    /**
     * Backward from a non-scalar output, seeded with dL/d(this) = {@code seed} (as torch's
     * {@code y.backward(gradient)}); the seed adds to any gradient this tensor already has.
     */
    public void backward(float[] seed) {
        if (seed.length != size) throw new IllegalArgumentException("backward: seed of " + seed.length + " values for " + describe());
        if (gradFn == null) throw new IllegalStateException("backward(): " + describe() + " has no graph (no-grad mode, or no input requires a gradient)");
        Tensor s = Tensor.of(backend, seed, shape);
        backend.axpy(1f, s.storage(), gradForAccumulation().storage(), size);
        s.release();
        for (Tensor t : topologicalOrder()) {
            if (t.gradFn != null && t.grad != null) {
                t.gradFn.backward(t);
                // Every consumer of t ran before its creator (reverse topological order), so t's
                // gradient is complete and now passed on: free it, as PyTorch keeps no .grad on
                // non-leaf tensors. The step then holds one layer's gradients at a time, not all of
                // them, and the pool hands the same warm buffers to the next layer down.
                t.grad.release();
                t.grad = null;
            }
        }
    }

    /** Nodes from this output back to the leaves: outputs before the inputs they were made from. */
    private List<Tensor> topologicalOrder() {
        List<Tensor> postOrder = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        // Iterative DFS (BERT-base's graph is a few thousand nodes deep along the residual chain).
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[]{this, 0});
        seen.add(this);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] ins = t.gradFn == null ? new Tensor[0] : t.gradFn.inputs();
            if (next < ins.length) {
                frame[1] = next + 1;
                Tensor in = ins[next];
                if (in != null && in.requiresGrad && seen.add(in)) stack.push(new Object[]{in, 0});
            } else {
                stack.pop();
                postOrder.add(t);
            }
        }
        Collections.reverse(postOrder);
        return postOrder;
    }

    // ---- naming ---------------------------------------------------------------------------------

    public String name() { return name; }
    public Tensor named(String name) { this.name = name; return this; }

    /** "name [2, 3]" or "[2, 3]": how errors refer to a tensor. */
    public String describe() {
        return (name == null ? "" : name + " ") + Arrays.toString(shape);
    }

    @Override public String toString() { return "Tensor " + describe() + " on " + backend.name(); }
}
