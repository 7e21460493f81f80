package org.jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.runtime.HugePages;
import org.jllm.runtime.WorkerPool;

/**
 * The machine's plain read bandwidth: the best of several passes summing a buffer much larger than the caches as
 * floats with the Vector API, split over the same threads as inference. The roofline decode is measured against.
 * The buffer is on 2 MiB pages where the weights can be ({@link HugePages}): on 4 KiB pages both read slower.
 */
public final class ReadBandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private ReadBandwidth() {
    }

    /** Bytes per second reading {@code bytes} bytes with {@code pool}'s threads (best of {@code passes}). */
    public static double measure(WorkerPool pool, long bytes, int passes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment huge = HugePages.allocate(arena, bytes);
            MemorySegment seg = huge != null ? huge : arena.allocate(bytes, 64);
            for (long i = 0; i < bytes; i += 8) {
                seg.set(java.lang.foreign.ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L >>> 40);
            }
            long chunk = 1 << 20;
            int chunks = (int) (bytes / chunk);
            float[] sink = new float[chunks];
            double best = 0;
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                pool.forRange(chunks, 1, (from, to) -> {
                    for (int c = from; c < to; c++) {
                        sink[c] = sum(seg, c * chunk, chunk);
                    }
                });
                long t = System.nanoTime() - t0;
                best = Math.max(best, chunks * (double) chunk / (t / 1e9));
            }
            return best;
        }
    }

    private static float sum(MemorySegment seg, long off, long len) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        long step = F.vectorByteSize();
        for (long i = off; i < off + len; i += 2 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, seg, i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, seg, i + step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }
}
