// One fused AdamW step (Loshchilov & Hutter 2019) in the order of torch.optim.AdamW, per element:
//   p -= lr * wd * p                       (decoupled weight decay, applied first)
//   m  = beta1 * m + (1 - beta1) * g
//   v  = beta2 * v + (1 - beta2) * g^2
//   p -= lr * (m / bc1) / (sqrt(v / bc2) + eps),   bc1 = 1 - beta1^t, bc2 = 1 - beta2^t
// One read of p, g, m, v and one write of p, m, v per element: the step is memory bound, so fusing the
// four torch passes into one is where the speed is. Mirrors jbert.engine.optim.AdamW.
extern "C" __global__ void adamw_update_fused(float* param, const float* grad, float* m, float* v, long long n,
                                              float lr, float beta1, float beta2, float eps, float weightDecay,
                                              float bc1, float bc2) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float g = grad[i];
        float p = param[i];
        p -= lr * weightDecay * p;
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        p -= lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
        m[i] = mi;
        v[i] = vi;
        param[i] = p;
    }
}
