package jbert.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jbert.engine.io.Safetensors;
import jbert.engine.io.TensorSource;
import jbert.trainer.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static jbert.trainer.cli.CommandLineTest.jbert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands on the GPU, end to end (skipped, with the reason printed, where no GPU is usable; failed
 * under -Djbert.requireGpu=true, which kernels/device-check.sh passes on the device machine): the same
 * fine-tuning run of tiny-bert on {@code --device cuda} and on {@code --device cpu} logs the same losses
 * and gradient norms step by step (the dropout masks are the same counter-based ones on both), saves
 * the same weights, ends at the same accuracy, and the GPU run's folder then evaluates and predicts on
 * the GPU; {@code encode} and {@code fill-mask} give the CPU's features and top tokens.
 *
 * <p>The CPU side is {@code --device cpu}, the fast kernels: the command line has no way to ask for the
 * scalar reference ones. How far apart two kernel sets that sum in different orders end on this run
 * was measured on the CPU (the same 32 steps through the trainer on the fast and on the scalar kernels):
 * every logged loss the same float, gradient norms within 7.5e-8 relative, weights within 1.6e-6 of their
 * tensor's scale, the key biases aside (see {@link #assertSameWeights}). The tolerances below (losses
 * 1e-5, norms 1e-5 relative, weights 1e-4 of their scale) leave the GPU's own rounding (other sums, float
 * atomics) room above that: on BERT-base, kernels' BertBaseGpuVsCpuTest saw its losses within 3.6e-7.
 */
class GpuCommandLineTest {
    @TempDir static Path tmp;
    static Path model, data;

    @BeforeAll
    static void fixtures() throws IOException {
        model = TestData.tinyBert();
        data = TestData.twitterLikeFolder(tmp.resolve("data"), 64, 30);
    }

    static JsonNode train(Path run, String device, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("train", "--model", model.toString(), "--data", data.toString(),
                "--train-size", "64", "--eval-size", "30", "--epochs", "2", "--batch-size", "4", "--lr", "5e-3",
                "--warmup-ratio", "0.1", "--output", run.toString(), "--device", device, "--progress", "none", "--no-charts"));
        args.addAll(List.of(extra));
        CommandLineTest.Result r = jbert(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.out() + r.err());
        return new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
    }

    @Test
    void fineTuningOnTheGpuFollowsTheCpuRunAndItsFolderServesEvalAndPredict() throws IOException {
        TestData.assumeGpu();
        JsonNode gpu = train(tmp.resolve("gpu"), "cuda"), cpu = train(tmp.resolve("cpu"), "cpu");
        JsonNode gs = gpu.path("steps"), cs = cpu.path("steps");
        assertEquals(32, gs.size());
        assertEquals(cs.size(), gs.size());
        for (int i = 0; i < gs.size(); i++) {
            double lg = gs.path(i).path("loss").asDouble(), lc = cs.path(i).path("loss").asDouble();
            double ng = gs.path(i).path("grad_norm").asDouble(), nc = cs.path(i).path("grad_norm").asDouble();
            assertEquals(lc, lg, 1e-5, "loss of step " + (i + 1) + ", GPU vs CPU");
            assertEquals(nc, ng, 1e-5 * Math.max(1, nc), "gradient norm of step " + (i + 1) + ", GPU vs CPU");
        }
        assertSameWeights(tmp.resolve("gpu"), tmp.resolve("cpu"));
        double accGpu = gpu.path("result").path("final_accuracy").asDouble(), accCpu = cpu.path("result").path("final_accuracy").asDouble();
        assertEquals(accCpu, accGpu, 1.5 / 30, "final accuracy on 30 examples: at most one prediction apart");

        CommandLineTest.Result e = jbert("eval", "--model", tmp.resolve("gpu").toString(), "--data", data.toString(), "--limit", "30", "--device", "cuda");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains(String.format(Locale.ROOT, "accuracy %.4f", accGpu)), e.out() + " vs " + accGpu);

        CommandLineTest.Result p = jbert("predict", "--model", tmp.resolve("gpu").toString(), "--device", "cuda", "--json", "stock up rally buy");
        assertEquals(0, p.code(), p.err());
        JsonNode n = new ObjectMapper().readTree(p.out().strip());
        double sum = 0;
        for (JsonNode v : n.path("probabilities")) sum += v.asDouble();
        assertEquals(1.0, sum, 1e-5, p.out());

        CommandLineTest.Result auto = jbert("predict", "--model", tmp.resolve("gpu").toString(), "--device", "auto", "stock up rally buy");
        assertEquals(0, auto.code(), auto.err());
        assertTrue(auto.err().contains("device: cuda"), "auto picks the GPU and says so: " + auto.err());
    }

    /** The same run with its steps replayed from CUDA graphs (batches padded to 8 tokens, so shapes repeat) follows the CPU's. */
    @Test
    void fineTuningInCudaGraphsFollowsTheCpuRun() throws IOException {
        TestData.assumeGpu();
        JsonNode gpu = train(tmp.resolve("gpu-graphs"), "cuda", "--cuda-graphs", "--pad-to-multiple-of", "8");
        JsonNode cpu = train(tmp.resolve("cpu-padded"), "cpu", "--pad-to-multiple-of", "8");
        JsonNode gs = gpu.path("steps"), cs = cpu.path("steps");
        assertEquals(32, gs.size());
        for (int i = 0; i < gs.size(); i++) {
            assertEquals(cs.path(i).path("loss").asDouble(), gs.path(i).path("loss").asDouble(), 1e-5, "loss of step " + (i + 1) + ", GPU graphs vs CPU");
        }
        assertSameWeights(tmp.resolve("gpu-graphs"), tmp.resolve("cpu-padded"));
    }

    /**
     * The two run folders' model.safetensors hold the same tensors, each within 1e-4 of the larger of
     * its largest value and the initialisation's 0.02 (the rule two GPU runs are held to in kernels'
     * CudaGraphStepTest). The attention key biases are held to 1e-3 of 0 in both runs instead: their
     * gradient is 0 in exact arithmetic (softmax ignores a constant added to a row), so AdamW moves them
     * by rounding noise over eps alone and two kernel sets part on them at once (the CPU's two, by 6.6e-6
     * at values under 5.8e-6); a real gradient there would move them by about the lr, 5e-3, every step.
     */
    static void assertSameWeights(Path gpuRun, Path cpuRun) {
        try (TensorSource g = Safetensors.open(gpuRun.resolve("model.safetensors"));
             TensorSource c = Safetensors.open(cpuRun.resolve("model.safetensors"))) {
            assertEquals(c.names(), g.names(), "the saved tensors");
            for (String name : c.names()) {
                float[] want = c.read(name).data(), got = g.read(name).data();
                assertEquals(want.length, got.length, name);
                double scale = 0.02, worst = 0, largest = 0;
                for (int i = 0; i < want.length; i++) {
                    scale = Math.max(scale, Math.abs(want[i]));
                    worst = Math.max(worst, Math.abs((double) got[i] - want[i]));
                    largest = Math.max(largest, Math.max(Math.abs(want[i]), Math.abs(got[i])));
                }
                if (name.endsWith("attention.self.key.bias")) {
                    assertTrue(largest <= 1e-3, name + ": " + largest + " in a run, where exact arithmetic keeps 0");
                } else {
                    assertTrue(worst <= 1e-4 * scale, name + ": GPU and CPU runs " + worst + " apart, tensor scale " + scale);
                }
            }
        }
    }

    @Test
    void encodeAndFillMaskOnTheGpuGiveTheCpusAnswers() throws IOException {
        TestData.assumeGpu();
        Path in = tmp.resolve("texts.txt");
        java.nio.file.Files.writeString(in, "stock up\nthe market price target for the shares\nrates\n");
        Map<String, float[]> gpu = encode(in, "cuda"), cpu = encode(in, "cpu");
        for (String name : List.of("last_hidden_state", "pooler_output", "input_ids", "attention_mask")) {
            float[] g = gpu.get(name), c = cpu.get(name);
            assertEquals(c.length, g.length, name);
            double scale = 0;
            for (float v : c) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < c.length; i++) assertEquals(c[i], g[i], 1e-4 * Math.max(scale, 1e-30), name + "[" + i + "], GPU vs CPU");
        }
        CommandLineTest.Result g = jbert("fill-mask", "--model", model.toString(), "--device", "cuda", "--top-k", "3", "the stock is [MASK] .");
        CommandLineTest.Result c = jbert("fill-mask", "--model", model.toString(), "--device", "cpu", "--top-k", "3", "the stock is [MASK] .");
        assertEquals(0, g.code(), g.err());
        // tiny-bert's MLM head is newly initialised (seeded): nearly uniform, so only the first token,
        // ahead by ~2%, is compared; the others tie to four digits and may swap on rounding.
        assertEquals(tokens(c.out()).get(0), tokens(g.out()).get(0), "fill-mask's top token, GPU vs CPU:\n" + g.out() + "\n" + c.out());
    }

    static Map<String, float[]> encode(Path in, String device) {
        Path out = tmp.resolve("features-" + device + ".safetensors");
        CommandLineTest.Result r = jbert("encode", "--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--device", device);
        assertEquals(0, r.code(), r.err());
        Map<String, float[]> m = new java.util.HashMap<>();
        try (TensorSource s = Safetensors.open(out)) {
            for (String name : s.names()) m.put(name, s.read(name).data());
        }
        return m;
    }

    /** The predicted tokens of fill-mask's output lines ("1. token  p"), without the probabilities. */
    static List<String> tokens(String out) {
        return out.strip().lines().map(l -> l.strip().split("\\s+")[1]).toList();
    }
}
