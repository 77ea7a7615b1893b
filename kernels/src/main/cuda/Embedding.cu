// Embedding lookup and its gradient (word, position and token-type embeddings of BERT).
//   forward:  out[i, :] = table[ids[i], :]
//   backward: dtable[ids[i], :] += dout[i, :]   (a token repeated in the batch adds up)
// In backward a negative id marks a padding_idx row, which is skipped: PyTorch's
// nn.Embedding(padding_idx=...) never updates the padding row. ids were checked against the table's
// row count on the host before upload. Mirrors
// jbert.engine.ops.Embedding.

extern "C" __global__ void embedding_forward_gather(const int* ids, const float* table, float* out, int n, int H) {
    long long total = (long long)n * H;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        long long row = i / H, h = i % H;
        out[i] = table[(long long)ids[row] * H + h];
    }
}

// Scatter-add with atomics: rows that share an id collide on the same table row, so plain += would
// lose updates. The order of the additions varies from run to run (float addition is not
// associative): results agree with the CPU to rounding, not bit for bit.
extern "C" __global__ void embedding_backward_scatter_add_atomic(const int* ids, const float* dout, float* dtable, int n, int H) {
    long long total = (long long)n * H;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        long long row = i / H, h = i % H;
        int id = ids[row];
        if (id >= 0) atomicAdd(&dtable[(long long)id * H + h], dout[i]);
    }
}
