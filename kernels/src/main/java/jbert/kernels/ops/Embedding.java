package jbert.kernels.ops;

import jbert.engine.Storage;
import jbert.kernels.memory.CudaStorage;

import static jbert.kernels.memory.ArgumentChecks.checkIds;
import static jbert.kernels.memory.ArgumentChecks.in;
import static jbert.kernels.memory.ArgumentChecks.of;

/**
 * The launches of {@code Embedding.cu}: the row gather and its atomic scatter-add.
 */
public final class Embedding extends OpLauncher {
    public Embedding(LaunchContext context) {
        super(context);
    }

    public void forward(int[] ids, Storage table, Storage out, int n, int H) {
        CudaStorage t = of(table, "embeddingForward");
        checkIds(ids, n, H == 0 ? 0 : t.size() / H, "embeddingForward", "id");
        long total = (long) n * H;
        if (total == 0) return;
        bind();
        CudaStorage dIds = deviceInts(ids, n);
        kernel("Embedding", "embedding_forward_gather").launch(grid(total), THREADS, stream,
                dIds, t, in(out, total, "embeddingForward", "out"), n, H);
        release(dIds);                                      // stream order keeps it until the kernel has run
    }

    public void backward(int[] ids, Storage dout, Storage dtable, int n, int H) {
        CudaStorage t = of(dtable, "embeddingBackward");
        checkIds(ids, n, H == 0 ? 0 : t.size() / H, "embeddingBackward", "id", true);
        long total = (long) n * H;
        if (total == 0) return;
        bind();
        CudaStorage dIds = deviceInts(ids, n);
        kernel("Embedding", "embedding_backward_scatter_add_atomic").launch(grid(total), THREADS, stream,
                dIds, in(dout, total, "embeddingBackward", "dout"), t, n, H);
        release(dIds);
    }
}
