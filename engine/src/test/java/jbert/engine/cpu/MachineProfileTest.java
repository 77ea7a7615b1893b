package jbert.engine.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link MachineProfile#read}: sysfs cache directories and /proc/cpuinfo as this machine writes them, and broken ones. */
class MachineProfileTest {

    static void cache(Path dir, String index, int level, String type, String size, int ways, String cpus) throws IOException {
        Path d = Files.createDirectories(dir.resolve(index));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
        Files.writeString(d.resolve("ways_of_associativity"), ways + "\n");
        Files.writeString(d.resolve("shared_cpu_list"), cpus + "\n");
    }

    /** The files of this session's machine (AMD EPYC, family 26, model 2), copied by hand. */
    static Path zen5(Path dir) throws IOException {
        cache(dir, "index0", 1, "Data", "48K", 12, "0");
        cache(dir, "index1", 1, "Instruction", "32K", 8, "0");
        cache(dir, "index2", 2, "Unified", "1024K", 16, "0");
        cache(dir, "index3", 3, "Unified", "32768K", 16, "0-1");
        return dir;
    }

    static Path cpuinfo(Path dir) throws IOException {
        return Files.writeString(dir.resolve("cpuinfo"), "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n"
                + "model\t\t: 2\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx512f\n\nprocessor\t: 1\nmodel name\t: other\n");
    }

    @Test
    void readsTheDataCachesAndTheCpu(@TempDir Path tmp) throws IOException {
        MachineProfile p = MachineProfile.read(zen5(tmp.resolve("cache")), cpuinfo(tmp), 512, 32);
        assertEquals("AMD EPYC, family 26, model 2", p.cpu());
        assertEquals(new MachineProfile.Cache(48 << 10, 12, 1), p.l1d(), "the data cache, not the instruction cache");
        assertEquals(new MachineProfile.Cache(1 << 20, 16, 1), p.l2());
        assertEquals(new MachineProfile.Cache(32 << 20, 16, 2), p.l3());
        assertEquals("", p.fallback());
        assertEquals(new GemmPlan(512, 8, 2, 256, 512, 8192), GemmPlan.forMachine(p));
    }

    @Test
    void noSysfsTakesTheDefaultsAndSaysSoInOneLine(@TempDir Path tmp) {
        Path none = tmp.resolve("no-such-dir");
        MachineProfile p = MachineProfile.read(none, tmp.resolve("no-cpuinfo"), 256, 16);
        assertEquals(MachineProfile.DEFAULT_L1D, p.l1d());
        assertEquals(MachineProfile.DEFAULT_L2, p.l2());
        assertEquals(MachineProfile.DEFAULT_L3, p.l3());
        assertEquals("unknown CPU", p.cpu());
        assertEquals("could not read the cache sizes from " + none + " (NoSuchFileException); assuming L1d 32 KB 8-way, "
                + "L2 512 KB 8-way, L3 8 MB 16-way", p.fallback());
        assertEquals(new GemmPlan(256, 6, 2, 160, 408, 6544), GemmPlan.forMachine(p),
                "KC as the AVX2 case of GemmPlanTest; MC = 256 KB / 640 = 409, 408 as a multiple of 6; NC = 4 MB / 640 = 6553, 6544 as a multiple of 16");
    }

    @Test
    void aMalformedFileLosesOnlyItsCacheAndIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = zen5(tmp.resolve("cache"));
        Files.writeString(dir.resolve("index2").resolve("size"), "lots\n");
        MachineProfile p = MachineProfile.read(dir, cpuinfo(tmp), 512, 32);
        assertEquals(new MachineProfile.Cache(48 << 10, 12, 1), p.l1d());
        assertEquals(MachineProfile.DEFAULT_L2, p.l2());
        assertEquals(new MachineProfile.Cache(32 << 20, 16, 2), p.l3());
        assertEquals("could not read the cache sizes from " + dir.resolve("index2") + " (For input string: \"lots\");"
                + " assuming L2 512 KB 8-way", p.fallback());
    }

    @Test
    void sizesAndCpuLists() {
        assertEquals(48 << 10, MachineProfile.bytes("48K"));
        assertEquals(32 << 20, MachineProfile.bytes("32M"));
        assertEquals(4096, MachineProfile.bytes("4096"));
        assertEquals(1, MachineProfile.cpuCount("0"));
        assertEquals(2, MachineProfile.cpuCount("0-1"));
        assertEquals(6, MachineProfile.cpuCount("0,2,4-7"));
    }
}
