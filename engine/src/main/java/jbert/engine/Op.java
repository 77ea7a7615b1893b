package jbert.engine;

/**
 * A node of the autograd graph: one application of an op, holding its inputs and whatever its
 * backward needs (kept fields are named and commented in each subclass).
 *
 * <p><b>The gradient rule</b>, once for the whole engine: {@code backward} <em>accumulates</em> into
 * each input's gradient with {@code +=}, never overwrites, so a tensor used twice (a residual
 * connection) collects both contributions. Gradients are zeroed only by the optimizer
 * ({@code zeroGrad}); between two backward passes they add up (gradient accumulation).
 */
public abstract class Op {
    /** The tensors this op read; gradients flow back to those that require them. */
    protected final Tensor[] inputs;

    protected Op(Tensor... inputs) { this.inputs = inputs; }

    public Tensor[] inputs() { return inputs; }

    /** The op's name in error messages and graph dumps. */
    public String name() { return getClass().getSimpleName(); }

    /**
     * Given {@code out.grad()} (dL/d out), adds dL/d input into {@code input.gradForAccumulation()}
     * for every input that requires a gradient.
     */
    public abstract void backward(Tensor out);

    /** Records {@code this} as the creator of {@code out} when any input requires a gradient. */
    protected final Tensor record(Tensor out) {
        out.setGradFn(this);
        return out;
    }
}
