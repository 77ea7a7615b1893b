package jbert.kernels.driver;

import jcuda.CudaException;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

/**
 * The kernel modules on one device, one per op family ({@link KernelSources#FAMILIES}), loaded from
 * the committed PTX or compiled by NVRTC as {@link KernelSources#choose} decided, and the kernels
 * found in them by name ({@link #kernel}), each made once and launched through one {@link Kernel.Launcher}.
 */
public final class KernelModules {
    private final KernelSources.Choice choice;
    private final String computeCapability;
    private final Kernel.Launcher launcher;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, Kernel> kernels = new HashMap<>();

    /**
     * Loads every family the device can run.
     *
     * @param launcher where kernels go: the driver ({@link ForeignLaunch}) or the step graphs
     * @param notice   hears one line when an optional family does not load
     */
    public KernelModules(CudaDevice device, KernelSources.Choice choice, Kernel.Launcher launcher, Consumer<String> notice) {
        this.choice = choice;
        this.computeCapability = device.computeCapability();
        this.launcher = launcher;
        for (String family : KernelSources.FAMILIES) {
            // A family built for a newer architecture (MatmulTf32: sm_80) is left out on older cards.
            if (KernelSources.targetOf(KernelSources.ptx(family)) > device.smVersion()) continue;
            try {
                modules.put(family, load(family));
            } catch (CudaException e) {
                if (!family.equals("MatmulTf32")) throw new IllegalStateException("loading " + family + " kernels: " + e.getMessage(), e);
                // Optional: without it, TF32 falls back to cuBLAS or to fp32.
                notice.accept("jbert: the TF32 GEMM kernels did not load (" + e.getMessage() + "); TF32 needs cuBLAS here");
            }
        }
    }

    /**
     * Where the kernels come from on a device with this driver: {@link KernelSources#choose} given the
     * driver's version, what the committed PTX needs, and whether NVRTC 12 loads.
     */
    public static KernelSources.Choice choose(String requested, CudaDevice device) {
        int ptxNeeds = KernelSources.driverVersionForPtx(KernelSources.ptx("Elementwise"));
        return KernelSources.choose(requested, device.driverVersion(), ptxNeeds, Nvrtc.loads());
    }

    private CUmodule load(String family) {
        CUmodule module = new CUmodule();
        String ptx = choice.kind() == KernelSources.Kind.PTX ? KernelSources.ptx(family) : Nvrtc.compile(family);
        // The driver reads the image up to its NUL: pass the bytes with an explicit terminator.
        byte[] image = (ptx + "\0").getBytes(StandardCharsets.US_ASCII);
        cuModuleLoadData(module, image);
        return module;
    }

    /** Whether a family was loaded (MatmulTf32 needs compute capability 8.0). */
    public boolean has(String family) { return modules.containsKey(family); }

    public KernelSources.Choice choice() { return choice; }

    /** Kernel {@code name} of {@code family}'s module, found at its first use. */
    public Kernel kernel(String family, String name) {
        return kernels.computeIfAbsent(name, n -> {
            CUmodule module = modules.get(family);
            if (module == null) throw new IllegalStateException(family + ".cu is not loaded on this GPU (compute capability " + computeCapability + ")");
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, n);
            return new Kernel(n, f, KernelSources.entryParams(KernelSources.ptx(family), n), launcher);
        });
    }
}
