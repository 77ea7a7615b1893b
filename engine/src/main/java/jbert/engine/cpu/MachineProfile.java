package jbert.engine.cpu;

import jdk.incubator.vector.FloatVector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link GemmPlan#forMachine} needs to know about the CPU, measured rather than assumed: the
 * data caches as the kernel reports them ({@code /sys/devices/system/cpu/cpu0/cache/index*}: level,
 * type, size, ways, the CPUs sharing it), the widest vector the JIT compiles for floats, and how many
 * vector registers the ISA has (32 with AVX-512, whatever the vector width; 16 with AVX2).
 *
 * <p>A value that cannot be read (no sysfs, another OS, a malformed file) never stops a run: it takes
 * a common default (L1d 32 KB 8-way, L2 512 KB 8-way, L3 8 MB 16-way on one core) and {@link #fallback}
 * says which, in one line, which {@link #detect} prints once.
 *
 * @param cpu             the CPU as /proc/cpuinfo names it: model name, family, model
 * @param l1d             the level-1 data cache of one core
 * @param l2              the level-2 cache of one core
 * @param l3              the last-level cache, with how many CPUs share it
 * @param vectorBits      the widest float vector the JIT compiles ({@code FloatVector.SPECIES_PREFERRED})
 * @param vectorRegisters vector registers the JIT can allocate: 32 with AVX-512, else 16
 * @param fallback        one line naming what could not be read and the default taken; empty if none
 */
public record MachineProfile(String cpu, Cache l1d, Cache l2, Cache l3, int vectorBits, int vectorRegisters,
                             String fallback) {

    /** One cache: its size in bytes, its associativity, and how many logical CPUs share it. */
    public record Cache(int bytes, int ways, int sharedBy) {
        public Cache {
            if (bytes < 1 || ways < 1 || sharedBy < 1) {
                throw new IllegalArgumentException("cache of " + bytes + " bytes, " + ways + " ways, shared by "
                        + sharedBy + ": expected positive numbers");
            }
        }
    }

    static final Cache DEFAULT_L1D = new Cache(32 << 10, 8, 1);
    static final Cache DEFAULT_L2 = new Cache(512 << 10, 8, 1);
    static final Cache DEFAULT_L3 = new Cache(8 << 20, 16, 1);

    /** This machine, from sysfs and /proc/cpuinfo; prints {@link #fallback} (one line) when there is one. */
    public static MachineProfile detect() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        MachineProfile p = read(Path.of("/sys/devices/system/cpu/cpu0/cache"), Path.of("/proc/cpuinfo"), bits,
                bits >= 512 ? 32 : 16);
        if (!p.fallback().isEmpty()) System.err.println("jbert GEMM: " + p.fallback());
        return p;
    }

    /**
     * The profile from a sysfs cache directory (holding index0, index1, ...) and a cpuinfo file, with
     * the vector facts given; what cannot be read takes its default and is named in {@link #fallback}.
     */
    static MachineProfile read(Path cacheDir, Path cpuinfo, int vectorBits, int vectorRegisters) {
        List<String> missing = new ArrayList<>();
        Cache l1d = null, l2 = null, l3 = null;
        List<Path> indexes = new ArrayList<>();
        try (var list = Files.list(cacheDir)) {
            list.filter(d -> d.getFileName().toString().startsWith("index")).sorted().forEach(indexes::add);
        } catch (IOException e) {
            missing.add(cacheDir + " (" + e.getClass().getSimpleName() + ")");
        }
        for (Path d : indexes) {
            try {
                String type = Files.readString(d.resolve("type")).trim();
                if (type.equals("Instruction")) continue;
                int level = Integer.parseInt(Files.readString(d.resolve("level")).trim());
                Cache c = new Cache(bytes(Files.readString(d.resolve("size")).trim()),
                        Integer.parseInt(Files.readString(d.resolve("ways_of_associativity")).trim()),
                        cpuCount(Files.readString(d.resolve("shared_cpu_list")).trim()));
                if (level == 1) l1d = c;
                else if (level == 2) l2 = c;
                else if (level == 3) l3 = c;
            } catch (IOException | RuntimeException e) {
                missing.add(d + " (" + e.getMessage() + ")");
            }
        }
        List<String> defaults = new ArrayList<>();
        if (l1d == null) { l1d = DEFAULT_L1D; defaults.add("L1d 32 KB 8-way"); }
        if (l2 == null) { l2 = DEFAULT_L2; defaults.add("L2 512 KB 8-way"); }
        if (l3 == null) { l3 = DEFAULT_L3; defaults.add("L3 8 MB 16-way"); }
        String fallback = defaults.isEmpty() ? "" : "could not read the cache sizes"
                + (missing.isEmpty() ? "" : " from " + String.join(", ", missing))
                + "; assuming " + String.join(", ", defaults);
        return new MachineProfile(cpuName(cpuinfo), l1d, l2, l3, vectorBits, vectorRegisters, fallback);
    }

    /** A sysfs size: "48K", "1024K", "32M" or plain bytes. */
    static int bytes(String size) {
        char unit = size.isEmpty() ? ' ' : Character.toUpperCase(size.charAt(size.length() - 1));
        long scale = unit == 'K' ? 1L << 10 : unit == 'M' ? 1L << 20 : unit == 'G' ? 1L << 30 : 1;
        String digits = scale == 1 ? size : size.substring(0, size.length() - 1);
        long n = Long.parseLong(digits.trim()) * scale;
        if (n < 1 || n > Integer.MAX_VALUE) throw new IllegalArgumentException("cache size '" + size + "' out of range");
        return (int) n;
    }

    /** How many CPUs a sysfs CPU list names: "0", "0-1", "0,2,4-7". */
    static int cpuCount(String list) {
        int n = 0;
        for (String part : list.split(",")) {
            String[] range = part.trim().split("-");
            int lo = Integer.parseInt(range[0].trim());
            int hi = range.length == 1 ? lo : Integer.parseInt(range[1].trim());
            n += hi - lo + 1;
        }
        return n;
    }

    /** "model name, family F, model M" from /proc/cpuinfo's first CPU, or "unknown CPU". */
    static String cpuName(Path cpuinfo) {
        String name = null, family = null, model = null;
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                if (line.isBlank()) break;
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
                switch (key) {
                    case "model name" -> name = value;
                    case "cpu family" -> family = value;
                    case "model" -> model = value;
                    default -> { }
                }
            }
        } catch (IOException e) {
            return "unknown CPU";
        }
        if (name == null) return "unknown CPU";
        return name + (family == null ? "" : ", family " + family) + (model == null ? "" : ", model " + model);
    }

    @Override
    public String toString() {
        return cpu + ": L1d " + (l1d.bytes() >> 10) + " KB " + l1d.ways() + "-way, L2 " + (l2.bytes() >> 10) + " KB "
                + l2.ways() + "-way, L3 " + (l3.bytes() >> 20) + " MB shared by " + l3.sharedBy() + ", "
                + vectorBits + "-bit vectors, " + vectorRegisters + " vector registers";
    }
}
