package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;

/**
 * The float side the 512-bit interleaved-row kernels share (every type's layout starts a block with the 32 rows' F16
 * scale d, and dmin after it where the type has minimums): a type supplies each block's exact integer sums
 * ({@link BlockSums}), this accumulates acc = fma(sum, d * d_x, acc), mins = fma(minSum, dmin * d_x, mins) per row
 * lane and writes acc - mins, as the types' scalar references do. The sums come through an array, never a vector.
 */
final class RowGroups {
    private static final int ROWS = 32;

    /** Writes one block's exact integer sums for a group's 32 rows: {@code work.sums[0..32)}, minimums' [32..64). */
    @FunctionalInterface
    interface BlockSums {
        void write(MemorySegment w, long block, Activations x, int b, GroupScratch work);
    }

    private RowGroups() {
    }

    /**
     * The products of the groups of rows [rowFrom, rowTo), blocks of {@code blockValues} values and
     * {@code groupBlockBytes} bytes; {@code dminAt} is the offset of the rows' F16 dmin in a block, 0 for types without
     * minimums. The scales are read first: the layouts are in reading order.
     */
    static void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo, int blockValues,
                       int groupBlockBytes, int dminAt, BlockSums blockSums) {
        int blocks = cols / blockValues;
        float[] xd = x.scales();
        GroupScratch work = GroupScratch.get();
        int[] sums = work.sums;
        float[] scales = work.scales;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * groupBlockBytes;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            FloatVector mins0 = acc0;
            FloatVector mins1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * groupBlockBytes;
                Wide.f16Times(w, off, xd[b], scales, 0);
                if (dminAt > 0) {
                    Wide.f16Times(w, off + dminAt, xd[b], scales, ROWS);
                }
                blockSums.write(w, off, x, b, work);
                acc0 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 0).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 16).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
                if (dminAt > 0) {
                    mins0 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 32).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(Wide.F, scales, 32), mins0);
                    mins1 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 48).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(Wide.F, scales, 48), mins1);
                }
            }
            if (dminAt > 0) {
                acc0 = acc0.sub(mins0);
                acc1 = acc1.sub(mins1);
            }
            acc0.intoArray(out, g * ROWS);
            acc1.intoArray(out, g * ROWS + 16);
        }
    }
}
