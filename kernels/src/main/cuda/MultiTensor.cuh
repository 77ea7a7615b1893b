// Multi-tensor launches: one kernel over a list of tensors (every parameter's gradient, say) instead
// of one launch per tensor. BERT-base has 201 parameter tensors, from 2 to 23M elements; launching
// per tensor costs more in launch overhead than the small ones take to compute.
//
// The host (jbert.kernels.TensorList) cuts each tensor into chunks of MULTI_TENSOR_CHUNK elements
// and uploads a table once (it is cached between steps): chunk k is elements
// [chunkStart[k], min(chunkStart[k] + MULTI_TENSOR_CHUNK, sizes[t])) of tensor t = chunkTensor[k].
// Blocks walk the chunks grid-stride, threads walk a chunk's float4s (chunk starts are multiples of
// 4 and storages start 256-byte aligned), then its scalar tail.
//
// A kernel reads its tensor's pointers out of the table once per chunk, into locals, and passes them
// to the element functions: read inside the element loop, every store through a float pointer could
// alias the table, so the compiler would reload them for each float4 and each load of data would wait
// behind a load of its address. (On an H200, with the reloads, AdamW over BERT-base's 201 tensors ran
// at 58% of a copy's bandwidth against 98% for one tensor; the change's own effect is not isolated:
// bench/RESULTS.md, GPU, change 2.)
#pragma once

#define MULTI_TENSOR_CHUNK 32768

// Calls chunk(t, begin, end) for each chunk this block takes: elements [begin, end) of tensor t.
template <class Chunk>
__device__ __forceinline__ void for_each_chunk(const long long* sizes, const int* chunkTensor, const long long* chunkStart,
                                               int chunks, Chunk chunk) {
    for (int k = blockIdx.x; k < chunks; k += gridDim.x) {
        int t = chunkTensor[k];
        long long begin = chunkStart[k], size = sizes[t];
        chunk(t, begin, begin + MULTI_TENSOR_CHUNK < size ? begin + MULTI_TENSOR_CHUNK : size);
    }
}

// Within one chunk [begin, end): f4(i) for each float4 at element begin + i (i % 4 == 0), then f1(i)
// for each element of the tail. i counts from the chunk's start, in 32 bits (a chunk is small): the
// kernels add begin to their pointers once.
template <class F4, class F1>
__device__ __forceinline__ void for_each_element(long long begin, long long end, F4 f4, F1 f1) {
    int n = (int)(end - begin), n4 = n / 4 * 4;
    for (int i = 4 * threadIdx.x; i < n4; i += 4 * blockDim.x) f4(i);
    for (int i = n4 + threadIdx.x; i < n; i += blockDim.x) f1(i);
}
