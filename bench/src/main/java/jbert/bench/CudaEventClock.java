package jbert.bench;

import jcuda.driver.CUevent;
import jcuda.driver.CUstream;

import java.util.ArrayList;
import java.util.List;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;

/**
 * A {@link TimingBackend.Clock} for the GPU: a pair of CUDA events on the backend's stream around each
 * call, so no call waits for the device; the GPU time between them is read at {@link #settle}, once the
 * device is idle. Only {@link DeviceCheck} loads it, so the CPU benchmarks never load JCuda.
 */
final class CudaEventClock implements TimingBackend.Clock {
    /** A call's events and the entry its time goes to. */
    private record Pending(CUevent start, CUevent stop, TimingBackend.Entry entry) {}

    private final CUstream stream;
    /** Started calls' events (index: the mark start returns), then the finished ones awaiting settle. */
    private final List<CUevent[]> started = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();

    CudaEventClock(CUstream stream) { this.stream = stream; }

    @Override
    public long start() {
        CUevent start = new CUevent(), stop = new CUevent();
        cuEventCreate(start, 0);
        cuEventCreate(stop, 0);
        cuEventRecord(start, stream);
        started.add(new CUevent[]{start, stop});
        return started.size() - 1;
    }

    @Override
    public void stop(long mark, boolean queued, TimingBackend.Entry entry) {
        CUevent[] events = started.get((int) mark);
        cuEventRecord(events[1], stream);
        pending.add(new Pending(events[0], events[1], entry));
    }

    /** The device is idle (the caller synchronized): each call's GPU time goes to its entry. */
    @Override
    public void settle() {
        float[] ms = new float[1];
        for (Pending p : pending) {
            cuEventElapsedTime(ms, p.start(), p.stop());
            p.entry().add((long) (ms[0] * 1e6));
            cuEventDestroy(p.start());
            cuEventDestroy(p.stop());
        }
        pending.clear();
        started.clear();
    }
}
