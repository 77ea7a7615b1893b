// One fused AdamW step (Loshchilov & Hutter 2019) as torch.optim.AdamW's single-tensor form
// (torch/optim/adamw.py), per element:
//   p *= 1 - lr * wd                       (decoupled weight decay, applied first)
//   m  = beta1 * m + (1 - beta1) * g
//   v  = beta2 * v + (1 - beta2) * g^2
//   p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps),   bc1 = 1 - beta1^t, bc2 = 1 - beta2^t
// Each element is computed in double and stored as float, exactly like the CPU reference
// (jbert.engine.cpu.ReferenceKernels.adamwUpdate), so both backends take the same step. The step is
// memory bound (read p, g, m, v; write p, m, v), so the double arithmetic costs nothing measurable on
// a data-centre GPU; fusing torch's four passes into one is where the speed is.
extern "C" __global__ void adamw_update_fused(float* param, const float* grad, float* m, float* v, long long n,
                                              float lr, float beta1, float beta2, float eps, float weightDecay,
                                              float bc1, float bc2) {
    double stepSize = (double)lr / bc1;
    double bc2Sqrt = sqrt((double)bc2);
    double decay = 1.0 - (double)lr * weightDecay;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        double g = grad[i];
        double p = param[i] * decay;
        double mi = beta1 * (double)m[i] + (1.0 - beta1) * g;
        double vi = beta2 * (double)v[i] + (1.0 - beta2) * g * g;
        m[i] = (float)mi;
        v[i] = (float)vi;
        param[i] = (float)(p - stepSize * mi / (sqrt(vi) / bc2Sqrt + eps));
    }
}
