// One fused AdamW step (Loshchilov & Hutter 2019) as torch.optim.AdamW's single-tensor form
// (torch/optim/adamw.py), per element:
//   p *= 1 - lr * wd                       (decoupled weight decay, applied first)
//   m  = beta1 * m + (1 - beta1) * g
//   v  = beta2 * v + (1 - beta2) * g^2
//   p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps),   bc1 = 1 - beta1^t, bc2 = 1 - beta2^t
// with g = grad * gradScale (a float product: gradient clipping's scale, 1 for none) and, with
// zeroGrad, grad = 0 once read (the optimizer's zero_grad), so clipping, the update and zeroing take
// one pass over the gradient instead of three.
// Each element is computed in double and stored as float, exactly like the CPU reference
// (jbert.engine.cpu.ReferenceKernels.adamwUpdate), so both backends take the same step. The step is
// memory bound (read p, g, m, v; write p, m, v), so the double arithmetic costs nothing measurable on
// a data-centre GPU; fusing torch's four passes into one is where the speed is.

#include "MultiTensor.cuh"

// One element of the step, in double, stored back as float; grad already scaled (a float product).
__device__ __forceinline__ void adamw_element(float& param, float grad, float& m, float& v, double stepSize, double decay,
                                              double bc2Sqrt, float beta1, float beta2, float eps) {
    double g = grad;
    double p = param * decay;
    double mi = beta1 * (double)m + (1.0 - beta1) * g;
    double vi = beta2 * (double)v + (1.0 - beta2) * g * g;
    m = (float)mi;
    v = (float)vi;
    param = (float)(p - stepSize * mi / (sqrt(vi) / bc2Sqrt + eps));
}

// Four elements at param, grad, m, v (16-byte aligned): all four float4s are loaded before the
// gradient is zeroed (zeroGrad) and anything is stored, so the loads are in flight together.
__device__ __forceinline__ void adamw_float4(float* param, float* grad, float* m, float* v, double stepSize, double decay,
                                             double bc2Sqrt, float beta1, float beta2, float eps, float gradScale, int zeroGrad) {
    float4 p = *reinterpret_cast<float4*>(param), g = *reinterpret_cast<float4*>(grad);
    float4 mm = *reinterpret_cast<float4*>(m), vv = *reinterpret_cast<float4*>(v);
    if (zeroGrad) *reinterpret_cast<float4*>(grad) = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    adamw_element(p.x, g.x * gradScale, mm.x, vv.x, stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    adamw_element(p.y, g.y * gradScale, mm.y, vv.y, stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    adamw_element(p.z, g.z * gradScale, mm.z, vv.z, stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    adamw_element(p.w, g.w * gradScale, mm.w, vv.w, stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    *reinterpret_cast<float4*>(param) = p;
    *reinterpret_cast<float4*>(m) = mm;
    *reinterpret_cast<float4*>(v) = vv;
}

// The gradient at g, scaled; zeroed in memory when asked.
__device__ __forceinline__ float take_grad(float* g, float gradScale, int zeroGrad) {
    float v = *g;
    if (zeroGrad) *g = 0.0f;
    return v * gradScale;
}

// Grid-stride over float4s of the first n/4*4 elements (storages start 256-byte aligned), then a
// scalar tail.
extern "C" __global__ void adamw_update_fused(float* param, float* grad, float* m, float* v, long long n,
                                              float lr, float beta1, float beta2, float eps, float weightDecay,
                                              float bc1, float bc2, float gradScale, int zeroGrad) {
    double stepSize = (double)lr / bc1;
    double bc2Sqrt = sqrt((double)bc2);
    double decay = 1.0 - (double)lr * weightDecay;
    long long n4 = n / 4, begin = blockIdx.x * (long long)blockDim.x + threadIdx.x, stride = (long long)gridDim.x * blockDim.x;
    for (long long i = begin; i < n4; i += stride) {
        adamw_float4(param + 4 * i, grad + 4 * i, m + 4 * i, v + 4 * i, stepSize, decay, bc2Sqrt, beta1, beta2, eps, gradScale, zeroGrad);
    }
    for (long long i = 4 * n4 + begin; i < n; i += stride) {
        adamw_element(param[i], take_grad(grad + i, gradScale, zeroGrad), m[i], v[i], stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    }
}

// Multi-tensor form (Backend.adamwUpdate(Storage[], ...): the whole optimizer step in one launch; chunk
// table in MultiTensor.cuh). Tensor t has its own weight decay (0 for biases and LayerNorm weights).
// The host launches 4 blocks of 256 threads per SM (CudaBackend.multiTensorGrid); ptxas would give this
// kernel 72 registers, which fits only 3 such blocks on an SM and leaves a second, thin wave. The bound
// holds it at 64 (ptxas, sm_90: 24 bytes spilled to the stack, which L1 serves).
extern "C" __global__ void __launch_bounds__(256, 4) adamw_update_fused_multi_tensor(float* const* params, float* const* grads, float* const* ms,
                                                           float* const* vs, const float* weightDecays, const long long* sizes,
                                                           const int* chunkTensor, const long long* chunkStart, int chunks,
                                                           float lr, float beta1, float beta2, float eps, float bc1, float bc2,
                                                           float gradScale, int zeroGrad) {
    double stepSize = (double)lr / bc1;
    double bc2Sqrt = sqrt((double)bc2);
    for_each_chunk(sizes, chunkTensor, chunkStart, chunks, [&](int t, long long begin, long long end) {
        float* __restrict__ param = params[t] + begin;
        float* __restrict__ grad = grads[t] + begin;
        float* __restrict__ m = ms[t] + begin;
        float* __restrict__ v = vs[t] + begin;
        double decay = 1.0 - (double)lr * weightDecays[t];
        for_each_element(
            begin, end,
            [&](int i) {
                adamw_float4(param + i, grad + i, m + i, v + i, stepSize, decay, bc2Sqrt, beta1, beta2, eps, gradScale, zeroGrad);
            },
            [&](int i) {
                adamw_element(param[i], take_grad(grad + i, gradScale, zeroGrad), m[i], v[i], stepSize, decay, bc2Sqrt, beta1,
                              beta2, eps);
            });
    });
}
