package jbert.kernels.driver;

import jcuda.CudaException;
import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;

/**
 * The run-time compiler path of {@link KernelSources}: a family's {@code .cu} source, with the headers
 * it includes, compiled by {@code libnvrtc.so.12} through JNvrtc into PTX that a CUDA 12 driver loads.
 */
final class Nvrtc {
    private Nvrtc() {}

    /** Whether JNvrtc and libnvrtc.so.12 load (JNvrtc 12.6 needs the CUDA 12 library). */
    static boolean loads() {
        try {
            int[] major = new int[1], minor = new int[1];
            JNvrtc.nvrtcVersion(major, minor);
            return major[0] == 12;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            return false;
        }
    }

    /** The PTX of one family, for the virtual architecture its source asks for ({@link KernelSources#archOf}). */
    static String compile(String family) {
        JNvrtc.setExceptionsEnabled(true);
        nvrtcProgram program = new nvrtcProgram();
        String source = KernelSources.source(family);
        String[] headerNames = KernelSources.HEADERS.toArray(new String[0]);
        String[] headers = new String[headerNames.length];
        for (int i = 0; i < headers.length; i++) headers[i] = KernelSources.header(headerNames[i]);
        JNvrtc.nvrtcCreateProgram(program, source, family + ".cu", headers.length, headers, headerNames);
        try {
            try {
                JNvrtc.nvrtcCompileProgram(program, 3, new String[]{
                        "--gpu-architecture=" + KernelSources.archOf(source), "--std=c++17", "-default-device"});
            } catch (CudaException e) {
                String[] log = new String[1];
                JNvrtc.nvrtcGetProgramLog(program, log);
                throw new IllegalStateException("NVRTC failed on " + family + ".cu: " + log[0].strip(), e);
            }
            String[] ptx = new String[1];
            JNvrtc.nvrtcGetPTX(program, ptx);
            return ptx[0];
        } finally {
            JNvrtc.nvrtcDestroyProgram(program);
        }
    }
}
