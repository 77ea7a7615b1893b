package jbert.bench;

import jbert.engine.Backend;
import jbert.engine.Storage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * A {@link Backend} that forwards every call to another one and adds up the time spent in each
 * kernel, so {@link StepTimer} (and {@link DeviceCheck}'s profiles) can say where a training step goes.
 * Products are keyed by their shape ("matmul NT 256x768x768"), the rest by method name. By default the
 * wall clock measures a call, and each call that queues device work synchronizes the device before the
 * clock stops, so GPU figures are per kernel too (and slower than unsynchronized ones); another
 * {@link Clock} measures otherwise (the host's time alone, or CUDA events). It also counts the floats
 * held in storages at once, a machine-independent measure of a step's memory.
 */
final class TimingBackend implements Backend {
    /** Time and count of one key, plus the floating-point work it did (products only). */
    static final class Entry {
        long nanos, calls;
        double flops;

        /** A measured call's time: at once, or when a device clock settles. */
        void add(long dt) { nanos += dt; }
    }

    /** How one call is measured. */
    interface Clock {
        /** Marks a call's start; the mark is given back to {@link #stop}. */
        long start();

        /**
         * Marks the call's end and adds its nanoseconds to {@code entry}, now or at {@link #settle}.
         *
         * @param queued whether the call may have left work queued on the device (a wall clock waits for it)
         */
        void stop(long started, boolean queued, Entry entry);

        /** The device is idle: adds the times still owed. */
        default void settle() {}

        /** The host's time in each call alone, never waiting for a device: what issuing the call costs. */
        static Clock host() { return new WallClock(null); }
    }

    /** The wall clock: with {@code device}, waiting for it after each call that queues work; without, the host's time alone. */
    private record WallClock(Backend device) implements Clock {
        @Override public long start() { return System.nanoTime(); }

        @Override public void stop(long started, boolean queued, Entry entry) {
            if (queued && device != null) device.synchronize();
            entry.add(System.nanoTime() - started);
        }
    }

    private final Backend inner;
    private final Clock clock;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** Floats held in storages made through this backend and not yet released, and their maximum. */
    private long liveFloats, peakFloats;

    /** Timed by the wall clock, waiting for the device after each call that queues work. */
    TimingBackend(Backend inner) { this(inner, new WallClock(inner)); }

    TimingBackend(Backend inner, Clock clock) {
        this.inner = inner;
        this.clock = clock;
    }

    Map<String, Entry> entries() { return entries; }

    /** Time inside kernels since the last {@link #reset} (with a device clock: once it settled). */
    long kernelNanos() {
        long total = 0;
        for (Entry e : entries.values()) total += e.nanos;
        return total;
    }

    /** Calls timed since the last {@link #reset}. */
    long calls() {
        long total = 0;
        for (Entry e : entries.values()) total += e.calls;
        return total;
    }

    /** Most floats held at once since the last {@link #reset}: parameters, optimizer state, activations. */
    long peakFloats() { return peakFloats; }

    void reset() { entries.clear(); peakFloats = liveFloats; }

    private void held(long floats) {
        liveFloats += floats;
        peakFloats = Math.max(peakFloats, liveFloats);
    }

    /** A call that queues device work. */
    private void time(String key, double flops, Runnable call) {
        Entry e = entry(key, flops);
        long t0 = clock.start();
        call.run();
        clock.stop(t0, true, e);
    }

    /** A call whose result the host reads (it waits for the device itself). */
    private double timeD(String key, DoubleSupplier call) {
        Entry e = entry(key, 0);
        long t0 = clock.start();
        double r = call.getAsDouble();
        clock.stop(t0, false, e);
        return r;
    }

    /** A call that returns something to the host without waiting for queued work (allocations, uploads, downloads). */
    private <T> T timeReturning(String key, java.util.function.Supplier<T> call) {
        Entry e = entry(key, 0);
        long t0 = clock.start();
        T r = call.get();
        clock.stop(t0, false, e);
        return r;
    }

    private Entry entry(String key, double flops) {
        Entry e = entries.computeIfAbsent(key, k -> new Entry());
        e.calls++;
        e.flops += flops;
        return e;
    }

    /** Entries sorted by time, largest first. */
    List<Map.Entry<String, Entry>> sorted() {
        List<Map.Entry<String, Entry>> l = new ArrayList<>(entries.entrySet());
        l.sort((a, b) -> Long.compare(b.getValue().nanos, a.getValue().nanos));
        return l;
    }

    @Override public String name() { return inner.name(); }

    @Override public Storage allocate(long n) { return allocation("allocate (zero-fill)", n, inner::allocate); }

    @Override public Storage allocateUninitialised(long n) { return allocation("allocate (uninitialised)", n, inner::allocateUninitialised); }

    /** Times one allocation and counts its floats as held. */
    private Storage allocation(String name, long n, java.util.function.LongFunction<Storage> allocate) {
        Storage s = timeReturning(name, () -> allocate.apply(n));
        held(n);
        return s;
    }

    @Override public void release(Storage s) {
        long n = s.size();
        time("release", 0, () -> inner.release(s));
        held(-n);
    }
    @Override public Storage upload(float[] host) {
        Storage s = timeReturning("upload", () -> inner.upload(host));
        held(host.length);
        return s;
    }
    @Override public void upload(float[] host, Storage dst) { time("upload", 0, () -> inner.upload(host, dst)); }
    @Override public float[] download(Storage s) { return timeReturning("download", () -> inner.download(s)); }
    @Override public void copy(Storage src, Storage dst, long n) { time("copy", 0, () -> inner.copy(src, dst, n)); }
    @Override public void fill(Storage s, float value) { time("fill (zeroGrad)", 0, () -> inner.fill(s, value)); }
    @Override public void synchronize() { inner.synchronize(); }

    /** The step as the backend runs it (in CUDA graphs, with them on); its calls are timed one by one. */
    @Override public <R> R trainingStep(jbert.engine.BatchShape shape, java.util.function.Supplier<R> body) {
        return inner.trainingStep(shape, body);
    }

    @Override
    public void matmul(boolean transA, boolean transB, int batch, int M, int N, int K,
                       float alpha, Storage A, Storage B, float beta, Storage C) {
        String key = "matmul " + (transA ? "T" : "N") + (transB ? "T" : "N") + " "
                + (batch > 1 ? batch + "x " : "") + M + "x" + N + "x" + K;
        time(key, 2.0 * batch * M * N * K, () -> inner.matmul(transA, transB, batch, M, N, K, alpha, A, B, beta, C));
    }

    @Override public void add(Storage a, Storage b, Storage out, long n) { time("add", 0, () -> inner.add(a, b, out, n)); }
    @Override public void axpy(float alpha, Storage x, Storage y, long n) { time("axpy", 0, () -> inner.axpy(alpha, x, y, n)); }
    @Override public void scale(float alpha, Storage x, Storage out, long n) { time("scale", 0, () -> inner.scale(alpha, x, out, n)); }
    @Override public void biasForward(Storage x, Storage bias, Storage out, int rows, int cols) {
        time("biasForward", 0, () -> inner.biasForward(x, bias, out, rows, cols));
    }
    @Override public void biasBackward(Storage dout, Storage dbias, int rows, int cols) {
        time("biasBackward", 0, () -> inner.biasBackward(dout, dbias, rows, cols));
    }
    @Override public void geluForward(Storage x, Storage out, long n) { time("geluForward", 0, () -> inner.geluForward(x, out, n)); }
    @Override public void geluBackward(Storage x, Storage dout, Storage dx, long n) {
        time("geluBackward", 0, () -> inner.geluBackward(x, dout, dx, n));
    }
    @Override public void biasGeluForward(Storage x, Storage bias, Storage pre, Storage out, int rows, int cols) {
        time("biasGeluForward", 0, () -> inner.biasGeluForward(x, bias, pre, out, rows, cols));
    }
    @Override public void biasGeluBackward(Storage pre, Storage dout, Storage dx, Storage dbias, int rows, int cols) {
        time("biasGeluBackward", 0, () -> inner.biasGeluBackward(pre, dout, dx, dbias, rows, cols));
    }
    @Override public void tanhForward(Storage x, Storage out, long n) { time("tanhForward", 0, () -> inner.tanhForward(x, out, n)); }
    @Override public void tanhBackward(Storage y, Storage dout, Storage dx, long n) {
        time("tanhBackward", 0, () -> inner.tanhBackward(y, dout, dx, n));
    }
    @Override
    public void layernormForward(Storage x, Storage gamma, Storage beta, Storage out, Storage mean, Storage rstd,
                                 int rows, int cols, float eps) {
        time("layernormForward", 0, () -> inner.layernormForward(x, gamma, beta, out, mean, rstd, rows, cols, eps));
    }
    @Override
    public void layernormBackward(Storage dout, Storage x, Storage gamma, Storage mean, Storage rstd,
                                  Storage dx, Storage dgamma, Storage dbeta, int rows, int cols) {
        time("layernormBackward", 0, () -> inner.layernormBackward(dout, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols));
    }
    @Override
    public void residualLayernormForward(Storage a, Storage b, Storage gamma, Storage beta, Storage sum,
                                         Storage out, Storage mean, Storage rstd, int rows, int cols, float eps) {
        time("residualLayernormForward", 0,
                () -> inner.residualLayernormForward(a, b, gamma, beta, sum, out, mean, rstd, rows, cols, eps));
    }
    @Override public void softmaxForward(Storage scores, Storage mask, float scale, Storage probs, int B, int NH, int T) {
        time("softmaxForward", 0, () -> inner.softmaxForward(scores, mask, scale, probs, B, NH, T));
    }
    @Override public void softmaxBackward(Storage probs, Storage dprobs, Storage dscores, float scale, int B, int NH, int T) {
        time("softmaxBackward", 0, () -> inner.softmaxBackward(probs, dprobs, dscores, scale, B, NH, T));
    }
    @Override public void permute0213(Storage x, Storage out, int A, int B, int C, int D, boolean accumulate) {
        time(accumulate ? "permute0213 (backward)" : "permute0213", 0, () -> inner.permute0213(x, out, A, B, C, D, accumulate));
    }
    @Override public void selectToken(Storage x, Storage out, int B, int T, int H, int index) {
        time("selectToken", 0, () -> inner.selectToken(x, out, B, T, H, index));
    }
    @Override public void selectTokenBackward(Storage dout, Storage dx, int B, int T, int H, int index) {
        time("selectTokenBackward", 0, () -> inner.selectTokenBackward(dout, dx, B, T, H, index));
    }
    @Override public void embeddingForward(int[] ids, Storage table, Storage out, int n, int H) {
        time("embeddingForward", 0, () -> inner.embeddingForward(ids, table, out, n, H));
    }
    @Override public void embeddingBackward(int[] ids, Storage dout, Storage dtable, int n, int H) {
        time("embeddingBackward", 0, () -> inner.embeddingBackward(ids, dout, dtable, n, H));
    }
    @Override public void dropoutForward(Storage x, Storage out, long n, float p, long seed) {
        time("dropoutForward", 0, () -> inner.dropoutForward(x, out, n, p, seed));
    }
    @Override public void dropoutBackward(Storage dout, Storage dx, long n, float p, long seed) {
        time("dropoutBackward", 0, () -> inner.dropoutBackward(dout, dx, n, p, seed));
    }
    @Override public double crossEntropyForward(Storage logits, int[] labels, Storage probs, int N, int C) {
        return timeD("crossEntropyForward", () -> inner.crossEntropyForward(logits, labels, probs, N, C));
    }
    @Override public void crossEntropyBackward(Storage probs, int[] labels, Storage dlogits, float scale, int N, int C) {
        time("crossEntropyBackward", 0, () -> inner.crossEntropyBackward(probs, labels, dlogits, scale, N, C));
    }
    @Override public double sumOfSquares(Storage x, long n) { return timeD("sumOfSquares (clip)", () -> inner.sumOfSquares(x, n)); }
    @Override
    public void adamwUpdate(Storage param, Storage grad, Storage m, Storage v, long n, float lr, float beta1, float beta2,
                            float eps, float weightDecay, float bc1, float bc2, float gradScale, boolean zeroGrad) {
        time("adamwUpdate", 0, () -> inner.adamwUpdate(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2,
                gradScale, zeroGrad));
    }

    // The multi-tensor forms, one call each as the backend makes them (the GPU's: one launch per list).

    @Override public double sumOfSquares(Storage[] xs, long[] ns) {
        return timeD("sumOfSquares (clip, multi-tensor)", () -> inner.sumOfSquares(xs, ns));
    }
    @Override public void scale(float alpha, Storage[] xs, long[] ns) { time("scale (multi-tensor)", 0, () -> inner.scale(alpha, xs, ns)); }
    @Override public void fill(Storage[] xs, float value) { time("fill (multi-tensor)", 0, () -> inner.fill(xs, value)); }
    @Override
    public void adamwUpdate(Storage[] params, Storage[] grads, Storage[] ms, Storage[] vs, long[] ns, float lr, float beta1,
                            float beta2, float eps, float[] weightDecays, float bc1, float bc2, float gradScale, boolean zeroGrad) {
        time("adamwUpdate (multi-tensor)", 0, () -> inner.adamwUpdate(params, grads, ms, vs, ns, lr, beta1, beta2, eps, weightDecays,
                bc1, bc2, gradScale, zeroGrad));
    }
}
