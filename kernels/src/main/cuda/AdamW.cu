// One fused AdamW step (Loshchilov & Hutter 2019) as torch.optim.AdamW computes it for float32
// parameters (torch/optim/adamw.py, in float: its foreach and single-tensor forms), per element:
//   p *= 1 - lr * wd                       (decoupled weight decay, applied first)
//   m  = m + (1 - beta1) * (g - m)         (torch's lerp(m, g, 1 - beta1) = beta1 * m + (1 - beta1) * g)
//   v  = v * beta2 + (1 - beta2) * g * g
//   p -= (lr / bc1) * (m / (sqrt(v) / sqrt(bc2) + eps)),   bc1 = 1 - beta1^t, bc2 = 1 - beta2^t
// with g = grad * gradScale (gradient clipping's scale, 1 for none), so clipping and the update take
// one pass over the gradient instead of two.
// In float, as torch: the CPU reference (jbert.engine.cpu.ReferenceKernels.adamwUpdate) computes the
// same step in double, and the two agree to float rounding (CudaKernelsTest, 1e-5). An earlier double
// version was exact to the CPU but slower on an H200.
// The optimizer's zero_grad is not folded in here: measured on an H200, this kernel streams at 101% of
// a copy's bandwidth, and the same kernel also writing zeros over each gradient it had just read ran at
// 44% (35% for the multi-tensor form). CudaBackend zeroes the gradients with a separate fill pass.

#include "MultiTensor.cuh"

// One element of the step; grad already scaled.
__device__ __forceinline__ void adamw_element(float& param, float g, float& m, float& v, float stepSize, float decay,
                                              float bc2Sqrt, float beta1, float beta2, float eps) {
    param *= decay;
    m += (1.0f - beta1) * (g - m);
    v = v * beta2 + (1.0f - beta2) * g * g;
    param -= stepSize * (m / (sqrtf(v) / bc2Sqrt + eps));
}

// Four elements at param, grad, m, v (16-byte aligned): all four float4s are loaded before anything
// is stored, so the loads are in flight together.
__device__ __forceinline__ void adamw_float4(float* param, const float* grad, float* m, float* v, float stepSize, float decay,
                                             float bc2Sqrt, float beta1, float beta2, float eps, float gradScale) {
    float4 p = *reinterpret_cast<float4*>(param), g = *reinterpret_cast<const float4*>(grad);
    float4 mm = *reinterpret_cast<float4*>(m), vv = *reinterpret_cast<float4*>(v);
    adamw_element(p.x, g.x * gradScale, mm.x, vv.x, stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    adamw_element(p.y, g.y * gradScale, mm.y, vv.y, stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    adamw_element(p.z, g.z * gradScale, mm.z, vv.z, stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    adamw_element(p.w, g.w * gradScale, mm.w, vv.w, stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    *reinterpret_cast<float4*>(param) = p;
    *reinterpret_cast<float4*>(m) = mm;
    *reinterpret_cast<float4*>(v) = vv;
}

// Grid-stride over float4s of the first n/4*4 elements (storages start 256-byte aligned), then a
// scalar tail.
extern "C" __global__ void adamw_update_fused(float* param, const float* grad, float* m, float* v, long long n,
                                              float lr, float beta1, float beta2, float eps, float weightDecay,
                                              float bc1, float bc2, float gradScale) {
    float stepSize = (float)((double)lr / bc1);      // torch: Python floats, rounded to float in the kernels
    float bc2Sqrt = (float)sqrt((double)bc2);
    float decay = (float)(1.0 - (double)lr * weightDecay);
    long long n4 = n / 4, begin = blockIdx.x * (long long)blockDim.x + threadIdx.x, stride = (long long)gridDim.x * blockDim.x;
    for (long long i = begin; i < n4; i += stride) {
        adamw_float4(param + 4 * i, grad + 4 * i, m + 4 * i, v + 4 * i, stepSize, decay, bc2Sqrt, beta1, beta2, eps, gradScale);
    }
    for (long long i = 4 * n4 + begin; i < n; i += stride) {
        adamw_element(param[i], grad[i] * gradScale, m[i], v[i], stepSize, decay, bc2Sqrt, beta1, beta2, eps);
    }
}

// Multi-tensor form (Backend.adamwUpdate(Storage[], ...): the whole optimizer step in one launch; chunk
// table in MultiTensor.cuh). Tensor t has its own weight decay (0 for biases and LayerNorm weights).
// The host launches 4 blocks of 256 threads per SM (CudaBackend.multiTensorGrid); the bound keeps the
// kernel within the 64 registers that lets all four be resident (ptxas, sm_90: 62, no spills), so no
// block waits for a second wave.
extern "C" __global__ void __launch_bounds__(256, 4) adamw_update_fused_multi_tensor(float* const* params, const float* const* grads, float* const* ms,
                                                           float* const* vs, const float* weightDecays, const long long* sizes,
                                                           const int* chunkTensor, const long long* chunkStart, int chunks,
                                                           float lr, float beta1, float beta2, float eps, float bc1, float bc2,
                                                           float gradScale) {
    float stepSize = (float)((double)lr / bc1);
    float bc2Sqrt = (float)sqrt((double)bc2);
    for_each_chunk(sizes, chunkTensor, chunkStart, chunks, [&](int t, long long begin, long long end) {
        float* __restrict__ param = params[t] + begin;
        const float* __restrict__ grad = grads[t] + begin;
        float* __restrict__ m = ms[t] + begin;
        float* __restrict__ v = vs[t] + begin;
        float decay = (float)(1.0 - (double)lr * weightDecays[t]);
        for_each_element(
            begin, end,
            [&](int i) {
                adamw_float4(param + i, grad + i, m + i, v + i, stepSize, decay, bc2Sqrt, beta1, beta2, eps, gradScale);
            },
            [&](int i) {
                adamw_element(param[i], grad[i] * gradScale, m[i], v[i], stepSize, decay, bc2Sqrt, beta1, beta2, eps);
            });
    });
}
