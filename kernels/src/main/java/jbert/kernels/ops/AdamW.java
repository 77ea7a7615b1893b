package jbert.kernels.ops;

import jbert.engine.Storage;
import jbert.kernels.memory.CudaStorage;
import jbert.kernels.memory.DeviceTables;
import jcuda.driver.CUdeviceptr;

import static jbert.kernels.memory.ArgumentChecks.in;

/**
 * The launches of {@code AdamW.cu}: the fused AdamW update of one tensor and of a whole list in one
 * launch, each followed by zero_grad as its own pass when asked (AdamW.cu says why).
 */
public final class AdamW extends OpLauncher {
    /** zero_grad over a list: the multi-tensor fill of Elementwise.cu. */
    private final Elementwise elementwise;

    public AdamW(LaunchContext context, Elementwise elementwise) {
        super(context);
        this.elementwise = elementwise;
    }

    public void update(Storage param, Storage grad, Storage m, Storage v, long n,
                       float lr, float beta1, float beta2, float eps, float weightDecay,
                       float bc1, float bc2, float gradScale, boolean zeroGrad) {
        if (n == 0) return;
        bind();
        CudaStorage g = in(grad, n, "adamwUpdate", "grad");
        kernel("AdamW", "adamw_update_fused").launch(grid(n), THREADS, stream,
                in(param, n, "adamwUpdate", "param"), g, in(m, n, "adamwUpdate", "m"), in(v, n, "adamwUpdate", "v"), n,
                lr, beta1, beta2, eps, weightDecay, bc1, bc2, gradScale);
        // zero_grad as its own pass, after the update has read the gradient (AdamW.cu says why)
        if (zeroGrad) fillWords(g.ptr(), 0, n);
    }

    public void update(Storage[] params, Storage[] grads, Storage[] ms, Storage[] vs, long[] ns,
                       float lr, float beta1, float beta2, float eps, float[] weightDecays,
                       float bc1, float bc2, float gradScale, boolean zeroGrad) {
        if (weightDecays.length != ns.length) {
            throw new IllegalArgumentException("adamwUpdate: " + weightDecays.length + " weight decays for " + ns.length + " tensors");
        }
        DeviceTables.Table t = deviceTable("adamwUpdate", new Storage[][]{params, grads, ms, vs},
                new String[]{"params", "grads", "ms", "vs"}, ns, weightDecays);
        if (t.chunks() == 0) return;
        CUdeviceptr[] p = t.pointers();
        kernel("AdamW", "adamw_update_fused_multi_tensor").launch(multiTensorGrid(t), THREADS, stream,
                p[0], p[1], p[2], p[3], t.weightDecays(), t.sizes(), t.chunkTensor(), t.chunkStart(), t.chunks(),
                lr, beta1, beta2, eps, bc1, bc2, gradScale);
        // zero_grad as its own pass over the same table's gradients (AdamW.cu says why)
        if (zeroGrad) elementwise.fill(t, p[1], 0f);
    }
}
