package jbert.kernels;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Java side of every launch against the PTX, without a GPU: each kernel the backend names exists
 * in its family's PTX, and the first-launch check that compares Java values with PTX parameter types
 * catches what it must (a wrong launch feeds a kernel garbage instead of failing).
 */
class KernelSignatureTest {

    @Test void everyKernelTheBackendNamesExistsInItsPtx() throws Exception {
        Pattern use = Pattern.compile("kernel\\(\"(\\w+)\", \"(\\w+)\"\\)");
        int found = 0;
        for (String file : List.of("CudaBackend.java", "TiledGemm.java")) {
            String java = Files.readString(Path.of("src/main/java/jbert/kernels", file));
            Matcher m = use.matcher(java);
            while (m.find()) {
                found++;
                String family = m.group(1), name = m.group(2);
                assertFalse(KernelSources.entryParams(KernelSources.ptx(family), name).isEmpty(), family + "." + name);
            }
        }
        assertTrue(found >= 30, "found " + found + " kernel uses");
    }

    @Test void ptxParameterTypesAreRead() {
        assertEquals(List.of(".u64", ".u64", ".u64", ".u32", ".u32"),
                KernelSources.entryParams(KernelSources.ptx("Embedding"), "embedding_forward_gather"));
        assertEquals(List.of(".u64", ".u64", ".u64", ".f32", ".f32", ".u64"),
                KernelSources.entryParams(KernelSources.ptx("Dropout"), "dropout_forward_counter_rng"));
        assertThrows(IllegalArgumentException.class, () -> KernelSources.entryParams(KernelSources.ptx("Dropout"), "kernel3"));
    }

    @Test void firstLaunchCheckCatchesCountAndTypeMismatches() {
        List<String> dropout = KernelSources.entryParams(KernelSources.ptx("Dropout"), "dropout_forward_counter_rng");
        var p = new jcuda.driver.CUdeviceptr();
        assertNull(Kernel.mismatch("dropout", dropout, p, p, 10L, 0.1f, 1.1f, 42L));
        assertTrue(Kernel.mismatch("dropout", dropout, p, p, 10, 0.1f, 1.1f, 42L).contains("parameter 2 is .u64"));
        assertTrue(Kernel.mismatch("dropout", dropout, p, p, 10L, 0.1f, 42L).contains("takes 6 parameters"));
        // The optimizer's launches as CudaBackend.adamwUpdate makes them (the update, then zero_grad's fill).
        List<String> adamw = KernelSources.entryParams(KernelSources.ptx("AdamW"), "adamw_update_fused");
        assertNull(Kernel.mismatch("adamw", adamw, p, p, p, p, 10L, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f, 1f));
        List<String> adamwMulti = KernelSources.entryParams(KernelSources.ptx("AdamW"), "adamw_update_fused_multi_tensor");
        assertNull(Kernel.mismatch("adamw multi", adamwMulti, p, p, p, p, p, p, p, p, 3, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.001f, 1f));
        List<String> fill = KernelSources.entryParams(KernelSources.ptx("Elementwise"), "fill_multi_tensor");
        assertNull(Kernel.mismatch("fill multi", fill, 0f, p, p, p, p, 3));
        List<String> permute = KernelSources.entryParams(KernelSources.ptx("Permute"), "permute0213_forward_elementwise");
        assertNull(Kernel.mismatch("permute", permute, p, p, 1, 2, 3, 4, true));
        assertTrue(Kernel.mismatch("permute", permute, p, p, 1, 2, 3, 4.0f, true).contains("parameter 5 is .u32"));
    }
}
