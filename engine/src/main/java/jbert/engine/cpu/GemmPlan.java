package jbert.engine.cpu;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@link PackedGemm} shapes a product for one machine: the vector width, the register tile and
 * the cache blocking. A plan is a value: the CPU backend is made with one
 * ({@link CpuBackend#fast(int, GemmPlan)}) and hands it to its GEMM, as it hands its kernels its pool
 * of threads; {@link #forThisMachine()} is the one {@link CpuBackend#fast(int)} uses.
 *
 * <p><b>A rule, not an autotune.</b> {@link #forMachine} derives the plan from measured parameters of
 * the machine ({@link MachineProfile}: the cache sizes and ways the kernel reports in sysfs, the widest
 * vector the JIT compiles). We chose a rule over timing candidate plans on first use because a plan's
 * depth KC fixes where each dot product is cut into partial sums, so it fixes the bits of every
 * result: a timing race on a shared, noisy machine could pick a different KC on another day and
 * silently change a training run that is otherwise repeatable bit for bit. A rule also costs nothing
 * at start-up (no probe for the JIT to compile, no cache to go stale) and can be checked by hand.
 *
 * <p>The rule, in the order it decides (Low, Igual, Smith, Quintana-Orti, "Analytical Modeling Is
 * Enough for High-Performance BLIS", TOMS 2016, for the blocking):
 * <ul>
 *   <li>vector width: the widest the JIT compiles. {@code FmaPeakBenchmark} (bench) measures the FP32
 *       FMA rate of each width: on the Zen 5 here (2026-12-04, one thread, load average ~4) 112
 *       GFLOP/s at 512 bits against 53 at 256, twice the work per instruction in the same time; a
 *       Zen 4 runs a 512-bit FMA as two 256-bit halves, so there the rate per float is the same and
 *       the wider vector, with half the instructions, does not lose;</li>
 *   <li>register tile: {@value #TILE_VECTORS} vectors of B per k and MR rows of A, as many rows as fit
 *       MR x NV accumulators, the NV B vectors and one broadcast in the vector registers without a
 *       spill (at most {@value #MAX_MR}): 8 x 2 with AVX-512's 32 registers, 6 x 2 with AVX2's 16
 *       (BLIS's Haswell tile, 6 x 16);</li>
 *   <li>KC: the KC x NR micro-panel of B stays in L1 while MR x KC micro-panels of A stream past it.
 *       Of the L1's W ways, A's panel gets C_A = floor((W - 1) / (1 + NR / MR)), B's the rest but one,
 *       and KC = C_A * (L1 bytes / W) / (MR * 4), rounded down to a multiple of 32. On the Zen 5 here
 *       (48 KB, 12 ways, 8 x 32 tile) that is 256, the value tuned by hand before; on a Zen 4 (32 KB,
 *       8 ways) it is 128, where the hand-tuned 256 had B's 32 KB panel fill the whole L1;</li>
 *   <li>MC: the MC x KC block of A fills at most half of L2 (the rest holds B's panel and C's rows);
 *       512 here, where 128 was hand-tuned: paired runs of both on the BERT-base shapes differed by
 *       less than the machine's noise;</li>
 *   <li>NC: the KC x NC block of B fills at most half of this core's share of L3.</li>
 * </ul>
 *
 * @param vectorBits width of the Vector API species: 128, 256 or 512
 * @param mr         rows of C per register tile, 1 to {@value #MAX_MR}
 * @param nv         vectors of C per tile row, 1 to {@value #MAX_NV}: the tile is MR x NR, NR = nv * lanes
 * @param kc         depth of a packed block (the K step), at least 1
 * @param mc         rows of a packed A block, a multiple of mr
 * @param nc         columns of a packed B block, a multiple of NR
 */
public record GemmPlan(int vectorBits, int mr, int nv, int kc, int mc, int nc) {

    /** Most rows of a register tile: the kernel holds up to MAX_MR x MAX_NV accumulators. */
    static final int MAX_MR = 8;
    /**
     * Most vectors per tile row. Measured on the Zen 5: the kernel written for 8 x 3 ran an 8 x 3 plan
     * at a fifth of the 8 x 2 rate (C2 no longer compiled all of its Vector API calls to plain vector
     * instructions), at 256 and 512 bits alike, so the tile stops at 2 vectors.
     */
    static final int MAX_NV = 2;
    /** Vectors per tile row in the rule's tile. */
    static final int TILE_VECTORS = 2;

    private static final Pattern TEXT = Pattern.compile("v(\\d+)-(\\d+)x(\\d+)-k(\\d+)-m(\\d+)-n(\\d+)");

    public GemmPlan {
        String plan = "GEMM plan v" + vectorBits + "-" + mr + "x" + nv + "-k" + kc + "-m" + mc + "-n" + nc;
        if (vectorBits != 128 && vectorBits != 256 && vectorBits != 512) {
            throw new IllegalArgumentException(plan + ": vector width " + vectorBits + " bits, expected 128, 256 or 512");
        }
        if (mr < 1 || mr > MAX_MR) throw new IllegalArgumentException(plan + ": tile rows " + mr + ", expected 1 to " + MAX_MR);
        if (nv < 1 || nv > MAX_NV) throw new IllegalArgumentException(plan + ": tile vectors " + nv + ", expected 1 to " + MAX_NV);
        if (kc < 1) throw new IllegalArgumentException(plan + ": KC " + kc + ", expected at least 1");
        if (mc < mr || mc % mr != 0) throw new IllegalArgumentException(plan + ": MC " + mc + ", expected a multiple of MR = " + mr);
        int nr = nv * (vectorBits / 32);
        if (nc < nr || nc % nr != 0) throw new IllegalArgumentException(plan + ": NC " + nc + ", expected a multiple of NR = " + nr);
    }

    /** Floats per vector. */
    public int lanes() { return vectorBits / 32; }

    /** Columns of C per register tile: nv vectors. */
    public int nr() { return nv * lanes(); }

    /** The plan as {@link #parse} reads it, e.g. {@code v512-8x2-k256-m512-n8192}. */
    public String name() { return "v" + vectorBits + "-" + mr + "x" + nv + "-k" + kc + "-m" + mc + "-n" + nc; }

    @Override
    public String toString() {
        return name() + " (" + vectorBits + "-bit vectors, " + mr + " x " + nr() + " register tile, KC " + kc
                + ", MC " + mc + ", NC " + nc + ")";
    }

    /** A plan from its {@link #name()}; anything else is a one-line error quoting the text. */
    public static GemmPlan parse(String text) {
        Matcher m = TEXT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("GEMM plan '" + text + "': expected v<bits>-<MR>x<NV>-k<KC>-m<MC>-n<NC>,"
                    + " e.g. v512-8x2-k256-m512-n8192");
        }
        int[] v = new int[6];
        for (int i = 0; i < 6; i++) {
            try {
                v[i] = Integer.parseInt(m.group(i + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("GEMM plan '" + text + "': number " + m.group(i + 1) + " is too large");
            }
        }
        return new GemmPlan(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    /** The plan of {@link #forMachine} for the machine this JVM runs on, worked out once. */
    public static GemmPlan forThisMachine() { return ThisMachine.PLAN; }

    private static final class ThisMachine {
        static final GemmPlan PLAN = forMachine(MachineProfile.detect());
    }

    /** The rule of the class comment, applied to a machine's measured parameters. */
    public static GemmPlan forMachine(MachineProfile machine) {
        int bits = Math.max(128, Math.min(512, machine.vectorBits()));
        int lanes = bits / 32;
        int nv = TILE_VECTORS;
        int nr = nv * lanes;
        // MR x NV accumulators + NV vectors of B + 1 broadcast of A <= the vector registers.
        int mr = Math.max(1, Math.min(MAX_MR, (machine.vectorRegisters() - nv - 1) / nv));

        MachineProfile.Cache l1 = machine.l1d();
        int wayBytes = l1.bytes() / l1.ways();
        int aWays = Math.max(1, (int) ((l1.ways() - 1) / (1 + (double) nr / mr)));
        int kc = Math.max(32, aWays * wayBytes / (mr * Float.BYTES) / 32 * 32);

        int mc = Math.max(mr, machine.l2().bytes() / 2 / (kc * Float.BYTES) / mr * mr);

        MachineProfile.Cache l3 = machine.l3();
        long l3PerCore = l3.bytes() / Math.max(1, l3.sharedBy());
        int nc = (int) Math.max(nr, Math.min(1 << 16, l3PerCore / 2 / ((long) kc * Float.BYTES)) / nr * nr);
        return new GemmPlan(bits, mr, nv, kc, mc, nc);
    }
}
