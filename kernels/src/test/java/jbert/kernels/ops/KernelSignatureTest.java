package jbert.kernels.ops;

import jbert.kernels.driver.Kernel;
import jbert.kernels.driver.KernelSources;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Java side of every launch against the PTX, without a GPU: each kernel a launcher names exists
 * in its family's PTX (the ops' launchers, memory's fills and copies, the tiled GEMM), and the
 * first-launch check that compares Java values with PTX parameter types catches what it must (a
 * wrong launch feeds a kernel garbage instead of failing).
 */
class KernelSignatureTest {

    @Test void everyKernelTheBackendNamesExistsInItsPtx() throws Exception {
        Pattern use = Pattern.compile("kernel\\(\"(\\w+)\", \"(\\w+)\"\\)");
        int found = 0;
        List<Path> files;
        try (Stream<Path> walk = Files.walk(Path.of("src/main/java/jbert/kernels"))) {
            files = walk.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
        for (Path file : files) {
            String java = Files.readString(file);
            Matcher m = use.matcher(java);
            while (m.find()) {
                found++;
                String family = m.group(1), name = m.group(2);
                assertFalse(KernelSources.entryParams(KernelSources.ptx(family), name).isEmpty(), family + "." + name);
            }
        }
        assertTrue(found >= 30, "found " + found + " kernel uses");
    }

    @Test void everyLayerNormKernelOfTheWidthSwitchExistsInItsPtx() {
        // The widths registerWidth gives, and the kernel each of the three passes launches for it.
        assertEquals(0, LayerNorm.registerWidth(130));
        assertEquals(0, LayerNorm.registerWidth(1028));
        assertEquals(256, LayerNorm.registerWidth(128));
        assertEquals(768, LayerNorm.registerWidth(768));
        assertEquals(1024, LayerNorm.registerWidth(1024));
        String ptx = KernelSources.ptx("LayerNorm");
        assertEquals("layernorm_forward_warp_per_row_float4_upto768", LayerNorm.FORWARD.forWidth(768));
        assertEquals("residual_layernorm_forward_warp_per_row", LayerNorm.RESIDUAL_FORWARD.forWidth(0));
        for (LayerNorm.Variants v : List.of(LayerNorm.FORWARD, LayerNorm.RESIDUAL_FORWARD, LayerNorm.BACKWARD)) {
            for (int width : new int[]{0, 256, 768, 1024}) {
                String name = v.forWidth(width);
                assertFalse(KernelSources.entryParams(ptx, name).isEmpty(), name);
            }
        }
        // The register forward and its generic kernel take the same parameters (x, gamma, beta, out, mean, rstd, rows, cols, eps).
        var p = new jcuda.driver.CUdeviceptr();
        for (int width : new int[]{0, 256, 768, 1024}) {
            String name = LayerNorm.FORWARD.forWidth(width);
            assertNull(Kernel.mismatch(name, KernelSources.entryParams(ptx, name), p, p, p, p, p, p, 8, 768, 1e-12f));
        }
    }

    @Test void softmaxLaneGroupsAndTheirKernels() {
        // Lanes per row: the smallest power of two >= T / 4; 0 where the kernels do not apply.
        assertEquals(1, Softmax.laneGroup(2, 12, 4));
        assertEquals(2, Softmax.laneGroup(2, 12, 8));
        assertEquals(4, Softmax.laneGroup(2, 12, 12));
        assertEquals(16, Softmax.laneGroup(2, 12, 40));
        assertEquals(16, Softmax.laneGroup(512, 12, 64));
        assertEquals(32, Softmax.laneGroup(128, 12, 128));
        assertEquals(0, Softmax.laneGroup(2, 12, 7));
        assertEquals(0, Softmax.laneGroup(2, 12, 132));
        assertEquals(0, Softmax.laneGroup(1 << 16, 1, 4));          // past the forward grid's y-blocks
        assertEquals(0, Softmax.laneGroup(8192, 16, 128));          // 2^31 scores: past 32-bit indices
        // Softmax names them "..._upto" + 4 G (out of the reach of the test above): each exists and
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
        // The optimizer's launches as AdamW.update makes them (the update, then zero_grad's fill).
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
