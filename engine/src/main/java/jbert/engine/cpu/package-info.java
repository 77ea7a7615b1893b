/**
 * The CPU backend: {@link jbert.engine.cpu.CpuBackend}.
 *
 * <p>Reading order: {@link jbert.engine.cpu.ReferenceKernels} (every kernel as a plain scalar loop:
 * the math, and the ground truth the fast kernels are tested against), then
 * {@link jbert.engine.cpu.CpuBackend} (memory: {@link jbert.engine.cpu.ArrayPool}), then
 * {@link jbert.engine.cpu.VectorizedCpuBackend} and the fast kernels it calls:
 * <ul>
 *   <li>{@link jbert.engine.cpu.PackedGemm}: SGEMM split across threads, each share run by
 *       {@link jbert.engine.cpu.BlockedGemm} (cache-blocked, packed, register-tiled) in the shape of the
 *       backend's {@link jbert.engine.cpu.GemmPlan}, which a rule derives from the
 *       {@link jbert.engine.cpu.MachineProfile} (cache sizes, vector width, registers);</li>
 *   <li>{@link jbert.engine.cpu.VectorGelu}, {@link jbert.engine.cpu.VectorSoftmax},
 *       {@link jbert.engine.cpu.VectorLayerNorm}: row kernels, fused where BERT chains them
 *       (bias + GELU, residual + LayerNorm);</li>
 *   <li>{@link jbert.engine.cpu.FusedAdamW}: the optimizer in one pass;</li>
 *   <li>{@link jbert.engine.cpu.VectorElementwise}: the memory-bound rest.</li>
 * </ul>
 * The fast row kernels use {@code FloatVector.SPECIES_PREFERRED} (16 floats with AVX-512, 8 with AVX2) of
 * the incubating Vector API, the GEMM its plan's species; all split work on their backend's {@link jbert.engine.cpu.Parallel} pool in a
 * fixed way per thread count, so results are bitwise reproducible for a given count.
 *
 * <p>The thread count is a setting, passed as a value: {@link jbert.engine.cpu.CpuBackend#fast}(n) is the
 * fast backend on n threads (one backend, and one pool, per count), which
 * {@link jbert.engine.Backends#select} picks from {@link jbert.engine.BackendOptions#threads()};
 * {@link jbert.engine.cpu.CpuBackend#INSTANCE} is the one on every core. Nothing in this package reads a
 * system property or an environment variable: {@code --threads}, {@code JBERT_THREADS} and
 * {@code -Djbert.threads} are read once, at the program's edge
 * ({@link jbert.engine.BackendOptions#fromEnvironment}).
 *
 * <p>Dimension legend, as in {@link jbert.engine.Backend}: B batch, T tokens, H hidden, NH heads,
 * D head size, I intermediate, V vocab, C classes, N rows, K inner dimension of a product; M and N are
 * also a product's output rows and columns, and MR x NR its register tile.
 */
package jbert.engine.cpu;
