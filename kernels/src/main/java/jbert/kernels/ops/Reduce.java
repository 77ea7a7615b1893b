package jbert.kernels.ops;

import jbert.engine.Storage;
import jbert.kernels.memory.CudaStorage;
import jbert.kernels.memory.DeviceTables;
import jcuda.Pointer;
import jcuda.Sizeof;

import static jbert.kernels.memory.ArgumentChecks.in;

/**
 * The launches of {@code Reduce.cu}: the sum of squares (the gradient norm's) in double, of one tensor
 * and of a whole list in one launch.
 */
public final class Reduce extends OpLauncher {
    public Reduce(LaunchContext context) {
        super(context);
    }

    public double sumOfSquares(Storage x, long n) {
        CudaStorage xs = in(x, n, "sumOfSquares", "x");
        if (n == 0) return 0;
        bind();
        CudaStorage total = allocateUninitialised(2);       // one double
        try {
            fillWords(total.ptr(), 0, 2);
            kernel("Reduce", "sum_of_squares_reduce_double").launch(Math.min(grid(n), grids.smCount() * 4), THREADS, stream, xs, n, total);
            double[] host = new double[1];
            downloadBytes(total.ptr(), Pointer.to(host), Sizeof.DOUBLE);
            return host[0];
        } finally {
            release(total);
        }
    }

    public double sumOfSquares(Storage[] xs, long[] ns) {
        DeviceTables.Table t = deviceTable("sumOfSquares", new Storage[][]{xs}, new String[]{"xs"}, ns, null);
        if (t.chunks() == 0) return 0;
        int blocks = multiTensorGrid(t);
        CudaStorage totals = allocateUninitialised(2L * blocks);   // one double per block
        try {
            kernel("Reduce", "sum_of_squares_reduce_double_multi_tensor").launch(blocks, THREADS, stream,
                    t.pointers()[0], t.sizes(), t.chunkTensor(), t.chunkStart(), t.chunks(), totals);
            double[] host = new double[blocks];
            downloadBytes(totals.ptr(), Pointer.to(host), (long) blocks * Sizeof.DOUBLE);
            double sum = 0;
            for (double b : host) sum += b;                  // in block order: the same norm every run
            return sum;
        } finally {
            release(totals);
        }
    }
}
