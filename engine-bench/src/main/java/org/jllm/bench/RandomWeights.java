package org.jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Numbers;

/** Random weight matrices of any type for the kernel benchmarks. */
final class RandomWeights {
    /** Byte offsets of the F16 scale fields inside one block, per type (default: d at 0). */
    private static final Map<GgmlType, int[]> SCALE_FIELDS = Map.of(
            GgmlType.Q4_1, new int[] {0, 2}, GgmlType.Q5_1, new int[] {0, 2}, GgmlType.Q2_K, new int[] {80, 82},
            GgmlType.Q3_K, new int[] {108}, GgmlType.Q4_K, new int[] {0, 2}, GgmlType.Q5_K, new int[] {0, 2},
            GgmlType.Q6_K, new int[] {208});

    private RandomWeights() {
    }

    /**
     * {@code rows x cols} weights of type {@code t} in {@code arena}: quantized types get random bits with every F16
     * scale field set to a small normal value (random halves can be NaN or subnormal), float types Gaussian values.
     */
    static MemorySegment matrix(Arena arena, GgmlType t, int rows, int cols, Random r) {
        long n = (long) rows * cols;
        MemorySegment weights = arena.allocate(t.bytesFor(n), 64);
        var f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        var i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        if (t.isQuantized()) {
            byte[] block = new byte[t.bytesPerBlock()];
            for (long b = 0; b < n / t.blockSize(); b++) {
                r.nextBytes(block);
                MemorySegment.copy(block, 0, weights, ValueLayout.JAVA_BYTE, b * block.length, block.length);
                for (int at : SCALE_FIELDS.getOrDefault(t, new int[] {0})) {
                    weights.set(i16, b * block.length + at, Numbers.floatToF16((float) (0.01 * r.nextDouble() + 1e-3)));
                }
            }
        } else {
            for (long i = 0; i < n; i++) {
                float v = (float) r.nextGaussian();
                switch (t) {
                    case F32 -> weights.set(f32, 4 * i, v);
                    case F16 -> weights.set(i16, 2 * i, Numbers.floatToF16(v));
                    default -> weights.set(i16, 2 * i, Numbers.floatToBf16(v));
                }
            }
        }
        return weights;
    }
}
