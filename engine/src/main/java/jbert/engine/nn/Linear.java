package jbert.engine.nn;

import jbert.engine.Backend;
import jbert.engine.Tensor;

/** y = x W^T + b, with W [out, in] as in HF/PyTorch state dicts. Parameters: weight, bias. */
public final class Linear extends Module {
    public final Tensor weight, bias;

    public Linear(Backend be, int in, int out, Init init) { this(be, in, out, init, true); }

    public Linear(Backend be, int in, int out, Init init, boolean withBias) {
        weight = parameter("weight", Tensor.of(be, init.normal(out * in), out, in)); // [out, in]
        bias = withBias ? parameter("bias", Tensor.zeros(be, out)) : null;           // [out]
    }

    /** [..., in] to [..., out]. */
    public Tensor forward(Tensor x) {
        return jbert.engine.ops.Linear.forward(x, weight, bias);
    }
}
