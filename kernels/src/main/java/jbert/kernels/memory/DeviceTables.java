package jbert.kernels.memory;

import jbert.engine.Storage;
import jbert.kernels.driver.CudaDevice;
import jbert.kernels.driver.ForeignLaunch;
import jcuda.driver.CUdeviceptr;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static jbert.kernels.memory.ArgumentChecks.need;
import static jbert.kernels.memory.ArgumentChecks.of;

/**
 * The device tables of the multi-tensor kernels (MultiTensor.cuh), built once per list of storages and
 * kept for the next calls with the same list (an optimizer passes the same storages every step), the
 * least recently used of them dropped beyond {@link #DEVICE_TABLE_CACHE}.
 */
public final class DeviceTables {
    /**
     * A list's table on the device (MultiTensor.cuh): for each role (params, grads, ...) an array of
     * the tensors' pointers, then sizes [T] and chunk starts [chunks] (64-bit), weight decays [T] and
     * chunk tensors [chunks] (32-bit), in one block.
     */
    public record Table(CudaStorage memory, CUdeviceptr[] pointers, CUdeviceptr sizes, CUdeviceptr chunkStart,
                        CUdeviceptr weightDecays, CUdeviceptr chunkTensor, int chunks) {}

    /** What a table was built from: the same device pointers, sizes and decays give the same table. */
    private record TableKey(CUdeviceptr[] pointers, long[] sizes, float[] weightDecays) {
        @Override public boolean equals(Object o) {
            return o instanceof TableKey k && Arrays.equals(pointers, k.pointers) && Arrays.equals(sizes, k.sizes)
                    && Arrays.equals(weightDecays, k.weightDecays);
        }
        @Override public int hashCode() {
            return 31 * (31 * Arrays.hashCode(pointers) + Arrays.hashCode(sizes)) + Arrays.hashCode(weightDecays);
        }
    }

    /** Tables of recent lists (gradients; parameters with gradients and moments), least recently used first. */
    private final Map<TableKey, Table> deviceTables = new LinkedHashMap<>(16, 0.75f, true);
    private static final int DEVICE_TABLE_CACHE = 8;

    private final CudaDevice device;
    private final CudaMemory memory;

    public DeviceTables(CudaDevice device, CudaMemory memory) {
        this.device = device;
        this.memory = memory;
    }

    /**
     * The table for roles[r][i] (tensor i's storage in role r, holding at least ns[i] floats), built and
     * uploaded on first use, then reused: an optimizer passes the same storages every step.
     */
    public Table table(String op, Storage[][] roles, String[] roleNames, long[] ns, float[] weightDecays) {
        int count = ns.length, R = roles.length;
        CUdeviceptr[] flat = new CUdeviceptr[R * count];
        for (int r = 0; r < R; r++) {
            if (roles[r].length != count) {
                throw new IllegalArgumentException(op + ": " + roles[r].length + " " + roleNames[r] + " for " + count + " sizes");
            }
            for (int i = 0; i < count; i++) {
                // checked inline: a name built for each of BERT-base's 804 storages cost more than the launch
                CudaStorage c = of(roles[r][i], op);
                if (c.size() < ns[i]) need(c, ns[i], op, roleNames[r] + "[" + i + "]");
                flat[r * count + i] = c.ptr();
            }
        }
        device.bind();
        TableKey key = new TableKey(flat, ns.clone(), weightDecays == null ? new float[0] : weightDecays.clone());
        Table table = deviceTables.get(key);
        if (table != null) return table;

        TensorList.Plan plan = TensorList.plan(ns);
        int chunks = plan.chunks();
        long pointerBytes = 8L * R * count, sizeBytes = 8L * count, startBytes = 8L * chunks, decayBytes = 4L * count;
        long bytes = pointerBytes + sizeBytes + startBytes + decayBytes + 4L * chunks;
        CudaStorage block = memory.allocateUninitialised((bytes + 3) / 4);
        CUdeviceptr base = block.ptr();
        CUdeviceptr[] pointers = new CUdeviceptr[R];
        // The table is written on the host, then uploaded whole: [pointers R*count][sizes][starts][decays][tensors].
        MemorySegment host = MemorySegment.ofArray(new byte[(int) bytes]);
        for (int i = 0; i < R * count; i++) host.set(ValueLayout.JAVA_LONG_UNALIGNED, 8L * i, ForeignLaunch.address(flat[i]));
        MemorySegment.copy(MemorySegment.ofArray(ns), 0, host, pointerBytes, sizeBytes);
        MemorySegment.copy(MemorySegment.ofArray(plan.chunkStart()), 0, host, pointerBytes + sizeBytes, startBytes);
        if (weightDecays != null) MemorySegment.copy(MemorySegment.ofArray(weightDecays), 0, host, pointerBytes + sizeBytes + startBytes, decayBytes);
        MemorySegment.copy(MemorySegment.ofArray(plan.chunkTensor()), 0, host, pointerBytes + sizeBytes + startBytes + decayBytes, 4L * chunks);
        memory.uploadBytes(host, base);
        for (int r = 0; r < R; r++) pointers[r] = base.withByteOffset(8L * r * count);
        CUdeviceptr sizes = base.withByteOffset(pointerBytes), starts = base.withByteOffset(pointerBytes + sizeBytes);
        CUdeviceptr decays = base.withByteOffset(pointerBytes + sizeBytes + startBytes);
        CUdeviceptr tensors = base.withByteOffset(pointerBytes + sizeBytes + startBytes + decayBytes);
        table = new Table(block, pointers, sizes, starts, decays, tensors, chunks);
        deviceTables.put(key, table);
        if (deviceTables.size() > DEVICE_TABLE_CACHE) {
            var eldest = deviceTables.entrySet().iterator().next();
            memory.allocator().release(eldest.getValue().memory().detach());   // stream order protects kernels still queued on it
            deviceTables.remove(eldest.getKey());
        }
        return table;
    }
}
