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

    @Test void softmaxLaneGroupsAndTheirKernels() {
        // Lanes per row: the smallest power of two >= T / 4; 0 where the kernels do not apply.
        assertEquals(1, CudaBackend.softmaxLaneGroup(2, 12, 4));
        assertEquals(2, CudaBackend.softmaxLaneGroup(2, 12, 8));
        assertEquals(4, CudaBackend.softmaxLaneGroup(2, 12, 12));
        assertEquals(16, CudaBackend.softmaxLaneGroup(2, 12, 40));
        assertEquals(16, CudaBackend.softmaxLaneGroup(512, 12, 64));
        assertEquals(32, CudaBackend.softmaxLaneGroup(128, 12, 128));
        assertEquals(0, CudaBackend.softmaxLaneGroup(2, 12, 7));
        assertEquals(0, CudaBackend.softmaxLaneGroup(2, 12, 132));
        assertEquals(0, CudaBackend.softmaxLaneGroup(1 << 16, 1, 4));          // past the forward grid's y-blocks
        assertEquals(0, CudaBackend.softmaxLaneGroup(8192, 16, 128));          // 2^31 scores: past 32-bit indices
        // CudaBackend names them "..._upto" + 4 G (out of the reach of the test above): each exists and
        // takes what the backend passes.
        var p = new jcuda.driver.CUdeviceptr();
        for (int g = 1; g <= 32; g *= 2) {
            String forward = "softmax_forward_masked_scaled_float4_lane_group_upto" + 4 * g;
            String backward = "softmax_backward_scaled_float4_lane_group_upto" + 4 * g;
            assertNull(Kernel.mismatch(forward, KernelSources.entryParams(KernelSources.ptx("Softmax"), forward), p, p, 0.125f, p, 12, 64));
            assertNull(Kernel.mismatch(backward, KernelSources.entryParams(KernelSources.ptx("Softmax"), backward), p, p, p, 0.125f, 1536, 64));
        }
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
