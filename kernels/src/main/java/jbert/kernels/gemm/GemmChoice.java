package jbert.kernels.gemm;

import jbert.kernels.driver.CudaDevice;
import jbert.kernels.driver.Grids;
import jbert.kernels.driver.KernelModules;
import jbert.kernels.memory.CudaMemory;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Which path the CUDA backend's matrix products take ({@link jbert.engine.BackendOptions#gemm}), apart from
 * the device so that the choice and its one-line notices are tested without a GPU: cuBLAS through
 * JCublas 12.6 (needs libcublas.so.12), else cuBLAS through {@code java.lang.foreign}
 * ({@link NativeCublasGemm}, libcublas.so.13), else jbert's own tiled kernels. "own" goes straight to
 * the last; "cublas" is an error without one of the first two.
 */
public final class GemmChoice {
    private GemmChoice() {}

    /**
     * The path for one device: cuBLAS with TF32 math as asked, or jbert's tiled kernels, in TF32 on
     * tensor cores where MatmulTf32.cu loaded (compute capability 8.0+), else in fp32.
     */
    public static Gemm forDevice(String option, boolean tf32, KernelModules kernels, CudaDevice device, Grids grids,
                                 CudaMemory memory, Consumer<String> notice) {
        boolean ownTf32 = tf32 && kernels.has("MatmulTf32");
        return choose(option, () -> new CublasGemm(tf32), () -> NativeCublasGemm.open(tf32),
                () -> new TiledGemm(kernels, device, grids, memory, ownTf32), ownTf32 ? "MatmulTf32.cu, TF32 tensor cores" : "Matmul.cu, fp32", notice);
    }

    /** Opens the foreign-function cuBLAS binding, or says why it cannot. */
    interface NativeOpener {
        NativeCublasGemm open() throws NativeCublasGemm.Unavailable;
    }

    /**
     * @param option  "auto", "cublas" or "own"
     * @param jcublas opens the JCublas binding; a LinkageError means libcublas.so.12 is missing
     * @param nativeCublas opens {@link NativeCublasGemm}
     * @param own     jbert's tiled kernels, described by {@code ownName} in the notice
     * @param notice  hears one line when the choice is not JCublas's (the first one)
     */
    static Gemm choose(String option, Supplier<Gemm> jcublas, NativeOpener nativeCublas, Supplier<Gemm> own, String ownName,
                       Consumer<String> notice) {
        switch (option) {
            case "own":
                return own.get();
            case "cublas":
            case "auto":
                try {
                    return jcublas.get();
                } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                    String jcublasWhy = "libcublas.so.12 not found (JCublas 12.6 needs CUDA 12's cuBLAS)";
                    try {
                        NativeCublasGemm g = nativeCublas.open();
                        notice.accept("jbert: " + jcublasWhy + "; matrix products use " + g.describe() + " from " + g.library());
                        return g;
                    } catch (NativeCublasGemm.Unavailable u) {
                        String why = jcublasWhy + "; libcublas.so.13: " + u.getMessage();
                        if (option.equals("cublas")) throw new IllegalStateException("jbert.cuda.gemm=cublas: no cuBLAS: " + why);
                        notice.accept("jbert: " + why + "; matrix products use jbert's own tiled GEMM kernels (" + ownName + ")");
                        return own.get();
                    }
                }
            default:
                throw new IllegalArgumentException("jbert.cuda.gemm must be auto, cublas or own, not '" + option + "'");
        }
    }
}
