// Multi-tensor launches: one kernel over a list of tensors (every parameter's gradient, say) instead
// of one launch per tensor. BERT-base has 201 parameter tensors, from 2 to 23M elements; launching
// per tensor costs more in launch overhead than the small ones take to compute.
//
// The host (jbert.kernels.TensorList) cuts each tensor into chunks of MULTI_TENSOR_CHUNK elements
// and uploads a table once (it is cached between steps): chunk k is elements
// [chunkStart[k], min(chunkStart[k] + MULTI_TENSOR_CHUNK, sizes[t])) of tensor t = chunkTensor[k].
// Blocks walk the chunks grid-stride, threads walk a chunk's float4s (chunk starts are multiples of
// 4 and storages start 256-byte aligned), then its scalar tail.
#pragma once

#define MULTI_TENSOR_CHUNK 32768

// Calls f4(t, i) for each float4 at element i (i % 4 == 0) and f1(t, i) for each element of the
// tails, over every chunk this block takes.
template <class F4, class F1>
__device__ __forceinline__ void for_each_chunk_element(const long long* sizes, const int* chunkTensor, const long long* chunkStart,
                                                       int chunks, F4 f4, F1 f1) {
    for (int k = blockIdx.x; k < chunks; k += gridDim.x) {
        int t = chunkTensor[k];
        long long begin = chunkStart[k], size = sizes[t];
        long long end = begin + MULTI_TENSOR_CHUNK < size ? begin + MULTI_TENSOR_CHUNK : size;
        long long end4 = begin + (end - begin) / 4 * 4;
        for (long long i = begin + 4LL * threadIdx.x; i < end4; i += 4LL * blockDim.x) f4(t, i);
        for (long long i = end4 + threadIdx.x; i < end; i += blockDim.x) f1(t, i);
    }
}
