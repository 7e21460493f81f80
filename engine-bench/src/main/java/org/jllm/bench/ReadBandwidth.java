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
 * The buffer is on 2 MiB pages where the weights can be ({@link HugePages}): on 4 KiB pages both read slower. It is
 * filled once and kept, so that a benchmark can measure between its repetitions: on a shared machine the bandwidth
 * left to this process changes from one second to the next (here 36 to 73 GB/s within a minute).
 */
public final class ReadBandwidth implements AutoCloseable {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final long CHUNK = 1 << 20;

    private final Arena arena;
    private final MemorySegment buffer;
    private final float[] sink;

    private ReadBandwidth(Arena arena, MemorySegment buffer) {
        this.arena = arena;
        this.buffer = buffer;
        this.sink = new float[(int) (buffer.byteSize() / CHUNK)];
    }

    /** A buffer of {@code bytes} (a multiple of 1 MiB), written once so that its pages exist. */
    public static ReadBandwidth allocate(long bytes) {
        Arena arena = Arena.ofShared();
        MemorySegment huge = HugePages.allocate(arena, bytes);
        MemorySegment seg = huge != null ? huge : arena.allocate(bytes, 64);
        for (long i = 0; i < bytes; i += 8) {
            seg.set(java.lang.foreign.ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L >>> 40);
        }
        return new ReadBandwidth(arena, seg);
    }

    /** Bytes per second reading the buffer with {@code pool}'s threads (best of {@code passes}). */
    public double measure(WorkerPool pool, int passes) {
        double best = 0;
        for (int p = 0; p < passes; p++) {
            long t0 = System.nanoTime();
            read(pool, buffer, sink);
            long t = System.nanoTime() - t0;
            best = Math.max(best, buffer.byteSize() / (t / 1e9));
        }
        return best;
    }

    /** Chunks of 1 MiB of {@code segment}. */
    static int chunks(MemorySegment segment) {
        return (int) ((segment.byteSize() + CHUNK - 1) / CHUNK);
    }

    /**
     * One plain read of {@code segment} split over {@code pool}'s threads, chunk c's sum into {@code sink[c]}
     * ({@link #chunks} long): the read a roofline is measured with.
     */
    static void read(WorkerPool pool, MemorySegment segment, float[] sink) {
        long size = segment.byteSize();
        pool.forRange(chunks(segment), 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                sink[c] = sum(segment, c * CHUNK, Math.min(CHUNK, size - c * CHUNK));
            }
        });
    }

    @Override
    public void close() {
        arena.close();
    }

    private static float sum(MemorySegment seg, long off, long len) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        long step = F.vectorByteSize();
        long i = off;
        for (; i + 2 * step <= off + len; i += 2 * step) {
            // The loaded vector is the receiver, the accumulator the argument: a call on a loop phi that the JIT
            // inlines late cannot be devirtualized, and boxes (see the kernels).
            a0 = FloatVector.fromMemorySegment(F, seg, i, ByteOrder.LITTLE_ENDIAN).add(a0);
            a1 = FloatVector.fromMemorySegment(F, seg, i + step, ByteOrder.LITTLE_ENDIAN).add(a1);
        }
        if (i + step <= off + len) { // a matrix's last chunk may end inside a pair of vectors
            a0 = FloatVector.fromMemorySegment(F, seg, i, ByteOrder.LITTLE_ENDIAN).add(a0);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }
}
