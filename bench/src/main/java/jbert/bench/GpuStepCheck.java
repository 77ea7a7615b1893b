package jbert.bench;

import jbert.kernels.CudaBackend;
import jbert.kernels.memory.CachingAllocator;

import java.util.Locale;
import java.util.Map;

/**
 * {@link DeviceCheck}'s BERT-base training steps ({@link GpuStepWorkload}): the time of a step, and
 * where one step's time goes, per Backend call through a {@link TimingBackend}: GPU time by CUDA events
 * ({@link CudaEventClock}), host time by the clock alone.
 */
final class GpuStepCheck {
    private final DeviceCheck out;

    GpuStepCheck(DeviceCheck out) { this.out = out; }

    /** Mean wall time of a step over {@code steps}, after three warm-up steps (allocator filled, JIT compiled). */
    void trainingStep(CudaBackend backend, String name, int steps, int B, int T) {
        GpuStepWorkload step = new GpuStepWorkload(backend, B, T);
        for (int i = 0; i < 3; i++) step.step();    // warm-up: allocator fills, JIT compiles
        long allocsBefore = backend.allocator().driverAllocations();
        backend.synchronize();
        long t0 = System.nanoTime();
        double loss = 0;
        for (int i = 0; i < steps; i++) loss = step.step();
        backend.synchronize();
        double ms = (System.nanoTime() - t0) / 1e6 / steps;
        out.row("step", name, ms, "ms", String.format(Locale.ROOT, "B=%d T=%d, %d steps, last loss %.4f, peak %s, %d cuMemAlloc in timed steps; %s%s",
                B, T, steps, loss, CachingAllocator.human(backend.allocator().peakBytesInUse()),
                backend.allocator().driverAllocations() - allocsBefore, backend.gemmDescription(),
                backend.graphStats() == null ? "" : "; graphs: " + backend.graphStats()));
    }

    /**
     * One BERT-base step with CUDA events around every backend call: GPU milliseconds per call
     * (matrix products per shape), largest first; then the host's side ({@link #hostProfile}).
     */
    void profile(CudaBackend backend, int B, int T) {
        CudaEventClock events = new CudaEventClock(backend.stream());
        TimingBackend timed = new TimingBackend(backend, events);
        GpuStepWorkload step = new GpuStepWorkload(timed, B, T);
        step.step();                                              // warm-up, untimed
        backend.synchronize();
        events.settle();
        timed.reset();
        long t0 = System.nanoTime();
        step.step();
        backend.synchronize();
        double wallMs = (System.nanoTime() - t0) / 1e6;
        events.settle();
        String section = B == 32 && T == 128 ? "profile" : "profile B=" + B + " T=" + T;
        hostProfile(backend, B, T, "host " + section);
        out.row(section, "kernels, summed", timed.kernelNanos() / 1e6, "ms", String.format(Locale.ROOT,
                "%d backend calls; step wall time %.1f ms with events around every call", timed.calls(), wallMs));
        for (Map.Entry<String, TimingBackend.Entry> e : timed.sorted().stream().limit(25).toList()) {
            double ms = e.getValue().nanos / 1e6;
            out.row(section, e.getKey(), ms, "ms", String.format(Locale.ROOT, "%d calls, %.1f%%", e.getValue().calls, 100 * ms / Math.max(1e-9, wallMs)));
        }
    }

    /**
     * Host time per backend call over one step, the clock around each call and no events (the
     * launches are asynchronous: this is what issuing them costs, plus any wait in a call that syncs).
     */
    private void hostProfile(CudaBackend backend, int B, int T, String section) {
        TimingBackend timed = new TimingBackend(backend, TimingBackend.Clock.host());
        GpuStepWorkload step = new GpuStepWorkload(timed, B, T);
        step.step();
        step.step();
        backend.synchronize();
        timed.reset();
        long t0 = System.nanoTime();
        step.step();
        double issueMs = (System.nanoTime() - t0) / 1e6;
        backend.synchronize();
        double inCalls = timed.kernelNanos() / 1e6;
        out.row(section, "step on the host", issueMs, "ms", String.format(Locale.ROOT, "%.1f ms inside backend calls, %.1f ms in the engine between them",
                inCalls, issueMs - inCalls));
        for (Map.Entry<String, TimingBackend.Entry> e : timed.sorted().stream().limit(12).toList()) {
            double us = e.getValue().nanos / 1e3;
            out.row(section, e.getKey(), us / 1e3, "ms", String.format(Locale.ROOT, "%d calls, %.1f us each", e.getValue().calls, us / e.getValue().calls));
        }
    }
}
