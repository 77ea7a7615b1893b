package jbert.kernels.driver;

import jcuda.driver.CUresult;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver's graph functions, called with java.lang.foreign as {@link ForeignLaunch} calls
 * cuLaunchKernel: stream capture, instantiation, launch, and new arguments for one kernel node of an
 * instantiated graph. Symbols are the versioned ones cuda.h (CUDA 13) maps the plain names to, so the
 * structs passed are the layouts this file describes; every one of them exists in CUDA 12.3+ drivers.
 * Handles (streams, graphs, nodes, graph execs) travel as raw 64-bit values.
 */
public final class GraphDriver {
    /** CUstreamCaptureMode: RELAXED lets this thread call cuMemAlloc while capturing (the allocator may grow). */
    private static final int CAPTURE_MODE_RELAXED = 2;
    /** CUstreamCaptureStatus: ACTIVE. */
    private static final int CAPTURE_ACTIVE = 1;

    private final MethodHandle beginCapture, endCapture, captureInfo, instantiate, launch, setKernelParams,
            destroyExec, destroyGraph;
    /** Out-parameters and the kernel node parameter struct: one thread uses the backend at a time. */
    private final MemorySegment out = Arena.ofAuto().allocate(64, 8), nodeParams = Arena.ofAuto().allocate(KERNEL_NODE_PARAMS_BYTES, 8);

    /**
     * CUDA_KERNEL_NODE_PARAMS_v2: CUfunction func; unsigned gridDim[XYZ], blockDim[XYZ], sharedMemBytes
     * (offsets 8-32); void** kernelParams (40); void** extra (48); CUkernel kern (56); CUcontext ctx (64).
     */
    static final long KERNEL_NODE_PARAMS_BYTES = 72;

    public GraphDriver(SymbolLookup lookup) {
        Linker linker = Linker.nativeLinker();
        // CUresult cuStreamBeginCapture_v2(CUstream, CUstreamCaptureMode)
        beginCapture = downcall(linker, lookup, "cuStreamBeginCapture_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        // CUresult cuStreamEndCapture(CUstream, CUgraph*)
        endCapture = downcall(linker, lookup, "cuStreamEndCapture", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // CUresult cuStreamGetCaptureInfo_v3(CUstream, CUstreamCaptureStatus*, cuuint64_t* id, CUgraph*,
        //                                    const CUgraphNode** deps, const CUgraphEdgeData** edges, size_t* numDeps)
        captureInfo = downcall(linker, lookup, "cuStreamGetCaptureInfo_v3", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // CUresult cuGraphInstantiateWithFlags(CUgraphExec*, CUgraph, unsigned long long flags)
        instantiate = downcall(linker, lookup, "cuGraphInstantiateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        // CUresult cuGraphLaunch(CUgraphExec, CUstream)
        launch = downcall(linker, lookup, "cuGraphLaunch", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // CUresult cuGraphExecKernelNodeSetParams_v2(CUgraphExec, CUgraphNode, const CUDA_KERNEL_NODE_PARAMS*)
        setKernelParams = downcall(linker, lookup, "cuGraphExecKernelNodeSetParams_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        destroyExec = downcall(linker, lookup, "cuGraphExecDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroyGraph = downcall(linker, lookup, "cuGraphDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    /** The driver library JCuda loaded. */
    public static GraphDriver driver() {
        return new GraphDriver(SymbolLookup.libraryLookup("libcuda.so.1", Arena.global()));
    }

    private static MethodHandle downcall(Linker linker, SymbolLookup lookup, String symbol, FunctionDescriptor fd) {
        MemorySegment f = lookup.find(symbol)
                .orElseThrow(() -> new IllegalStateException("the CUDA driver library has no symbol " + symbol + " (CUDA graphs need a CUDA 12.3+ driver)"));
        return linker.downcallHandle(f, fd);
    }

    private static void check(int status, String call) {
        if (status != 0) throw new jcuda.CudaException(CUresult.stringFor(status) + " from " + call);
    }

    private static int call(MethodHandle h, String name, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + " failed: " + t, t);
        }
    }

    private static MemorySegment ptr(long handle) { return MemorySegment.ofAddress(handle); }

    public void beginCapture(long stream) {
        check(call(beginCapture, "cuStreamBeginCapture", ptr(stream), CAPTURE_MODE_RELAXED), "cuStreamBeginCapture");
    }

    /** Ends the capture on {@code stream}: the graph it recorded. */
    public long endCapture(long stream) {
        check(call(endCapture, "cuStreamEndCapture", ptr(stream), out), "cuStreamEndCapture");
        return out.get(JAVA_LONG, 0);
    }

    /**
     * The node the last work queued on a capturing stream became: the one node the next one will
     * depend on (a stream capture is a chain). 0 if the stream is not capturing or has no single last node.
     */
    public long lastCapturedNode(long stream) {
        // out: status at 0, id at 8, graph at 16, deps pointer at 24, edge data pointer at 32, count at 40
        check(call(captureInfo, "cuStreamGetCaptureInfo", ptr(stream), out, out.asSlice(8), out.asSlice(16), out.asSlice(24),
                MemorySegment.NULL, out.asSlice(40)), "cuStreamGetCaptureInfo");
        if (out.get(JAVA_INT, 0) != CAPTURE_ACTIVE || out.get(JAVA_LONG, 40) != 1) return 0;
        return out.get(ADDRESS, 24).reinterpret(8).get(JAVA_LONG, 0);
    }

    public long instantiate(long graph) {
        check(call(instantiate, "cuGraphInstantiate", out, ptr(graph), 0L), "cuGraphInstantiate");
        return out.get(JAVA_LONG, 0);
    }

    /** Called for every chunk of a replayed step: invokeExact, no boxing. */
    public void launch(long exec, long stream) {
        int status;
        try {
            status = (int) launch.invokeExact(ptr(exec), ptr(stream));
        } catch (Throwable t) {
            throw new IllegalStateException("cuGraphLaunch failed: " + t, t);
        }
        check(status, "cuGraphLaunch");
    }

    /** New launch shape and arguments for kernel node {@code node} of {@code exec}; the driver copies them. */
    public void setKernelParams(long exec, long node, long function, int gridX, int gridY, int gridZ, int blockX, int blockY,
                         int sharedBytes, ForeignLaunch.Params params) {
        MemorySegment p = nodeParams;
        p.fill((byte) 0);
        p.set(JAVA_LONG, 0, function);
        p.set(JAVA_INT, 8, gridX);
        p.set(JAVA_INT, 12, gridY);
        p.set(JAVA_INT, 16, gridZ);
        p.set(JAVA_INT, 20, blockX);
        p.set(JAVA_INT, 24, blockY);
        p.set(JAVA_INT, 28, 1);
        p.set(JAVA_INT, 32, sharedBytes);
        p.set(ADDRESS, 40, params.block);
        int status;
        try {
            status = (int) setKernelParams.invokeExact(ptr(exec), ptr(node), p);   // ~90 times a replayed BERT step
        } catch (Throwable t) {
            throw new IllegalStateException("cuGraphExecKernelNodeSetParams failed: " + t, t);
        }
        check(status, "cuGraphExecKernelNodeSetParams");
    }

    public void destroy(long exec, long graph) {
        if (exec != 0) call(destroyExec, "cuGraphExecDestroy", ptr(exec));
        if (graph != 0) call(destroyGraph, "cuGraphDestroy", ptr(graph));
    }
}
