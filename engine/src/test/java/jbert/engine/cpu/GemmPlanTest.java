package jbert.engine.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link GemmPlan#forMachine}, the rule, on three machines' measured parameters, each expected plan
 * worked out by hand from the rule in GemmPlan's comment; and a plan's text form and checks.
 */
class GemmPlanTest {

    static MachineProfile machine(int l1Kb, int l1Ways, int l2Kb, int l2Ways, int l3Mb, int l3SharedBy, int bits, int registers) {
        return new MachineProfile("test CPU", new MachineProfile.Cache(l1Kb << 10, l1Ways, 1),
                new MachineProfile.Cache(l2Kb << 10, l2Ways, 1), new MachineProfile.Cache(l3Mb << 20, 16, l3SharedBy),
                bits, registers, "");
    }

    /**
     * This session's AMD EPYC Zen 5 (family 26, model 2): L1d 48 KB 12-way, L2 1 MB, L3 32 MB over 2 CPUs,
     * AVX-512. Tile 8 x 2 vectors = 8 x 32 (16 + 2 + 1 = 19 of 32 registers; 9 rows would be more than 8).
     * A's ways floor(11 / (1 + 32/8)) = 2, KC = 2 * 4096 / (8 * 4) = 256 (the hand-tuned value);
     * MC = 512 KB / (256 * 4) = 512; NC = (32 MB / 2) / 2 / (256 * 4) = 8192.
     */
    @Test
    void zen5() {
        assertEquals(new GemmPlan(512, 8, 2, 256, 512, 8192), GemmPlan.forMachine(machine(48, 12, 1024, 16, 32, 2, 512, 32)));
    }

    /**
     * Issue 15's Zen 4 (family 25, model 17): L1d 32 KB 8-way, L2 1 MB 8-way, L3 32 MB over 2 vCPUs,
     * AVX-512 on 256-bit halves. A's ways floor(7 / 5) = 1, KC = 4096 / 32 = 128 (the B panel is then
     * 128 * 32 * 4 = 16 KB of the 32 KB L1, where KC 256 filled it); MC = 512 KB / 512 = 1024;
     * NC = 16 MB / 2 / 512 = 16384.
     */
    @Test
    void zen4() {
        assertEquals(new GemmPlan(512, 8, 2, 128, 1024, 16384), GemmPlan.forMachine(machine(32, 8, 1024, 8, 32, 2, 512, 32)));
    }

    /**
     * An AVX2 machine: 256-bit vectors, 16 registers, so 6 rows (12 + 2 + 1 = 15 registers), tile
     * 6 x 16; L1d 32 KB 8-way: A's ways floor(7 / (1 + 16/6)) = 1, KC = 4096 / 24 = 170, 160 as a
     * multiple of 32; L2 256 KB: MC = 128 KB / 640 = 204 (a multiple of 6); L3 8 MB over 4 CPUs:
     * NC = 1 MB / 640 = 1638, 1632 as a multiple of NR = 16.
     */
    @Test
    void avx2() {
        assertEquals(new GemmPlan(256, 6, 2, 160, 204, 1632), GemmPlan.forMachine(machine(32, 8, 256, 4, 8, 4, 256, 16)));
    }

    @Test
    void aPlanReadsBackFromItsName() {
        GemmPlan plan = new GemmPlan(256, 6, 1, 160, 204, 1632);
        assertEquals("v256-6x1-k160-m204-n1632", plan.name());
        assertEquals(plan, GemmPlan.parse(plan.name()));
        assertEquals(8, plan.nr());
        assertEquals("v256-6x1-k160-m204-n1632 (256-bit vectors, 6 x 8 register tile, KC 160, MC 204, NC 1632)", plan.toString());
    }

    @Test
    void badTextIsAOneLineErrorQuotingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmPlan.parse("512:8x2"));
        assertEquals("GEMM plan '512:8x2': expected v<bits>-<MR>x<NV>-k<KC>-m<MC>-n<NC>, e.g. v512-8x2-k256-m512-n8192",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GemmPlan.parse("v512-8x2-k99999999999-m8-n32"));
        assertEquals("GEMM plan 'v512-8x2-k99999999999-m8-n32': number 99999999999 is too large", e.getMessage());
    }

    @Test
    void impossiblePlansAreOneLineErrorsNamingThePart() {
        rejects("vector width 384 bits, expected 128, 256 or 512", 384, 8, 2, 256, 128, 1024);
        rejects("tile rows 9, expected 1 to 8", 512, 9, 2, 256, 128, 1024);
        rejects("tile vectors 3, expected 1 to 2", 512, 8, 3, 256, 128, 1536);
        rejects("KC 0, expected at least 1", 512, 8, 2, 0, 128, 1024);
        rejects("MC 100, expected a multiple of MR = 8", 512, 8, 2, 256, 100, 1024);
        rejects("NC 1000, expected a multiple of NR = 32", 512, 8, 2, 256, 128, 1000);
    }

    /** new GemmPlan(p...) fails with "GEMM plan NAME: why", NAME spelled as {@link GemmPlan#name()}. */
    static void rejects(String why, int... p) {
        String name = "v" + p[0] + "-" + p[1] + "x" + p[2] + "-k" + p[3] + "-m" + p[4] + "-n" + p[5];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GemmPlan(p[0], p[1], p[2], p[3], p[4], p[5]));
        assertEquals("GEMM plan " + name + ": " + why, e.getMessage());
    }
}
