package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;

/**
 * The float side of the 512-bit interleaved-row kernel of Q2_K (its layout starts a block
 * with the 32 rows' F16 scale d, and dmin after it where the type has minimums; the other types' kernels hold their
 * loops themselves, a call per block costing them up to half their speed, see {@link VectorQ4_Kx32Kernel}): a type
 * supplies each block's exact integer sums
 * ({@link BlockSums}), this accumulates acc = fma(sum, d * d_x, acc), mins = fma(minSum, dmin * d_x, mins) per row
 * lane and writes acc - mins, as the types' scalar references do. Sums and accumulators live in arrays
 * ({@link GroupScratch}): no vector is live across a call, where the JIT might box it.
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
        float[] acc = work.acc;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * groupBlockBytes;
            java.util.Arrays.fill(acc, 0f);
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * groupBlockBytes;
                Wide.f16Times(w, off, xd[b], scales, 0);
                if (dminAt > 0) {
                    Wide.f16Times(w, off + dminAt, xd[b], scales, ROWS);
                }
                blockSums.write(w, off, x, b, work);
                accumulate(sums, scales, acc, dminAt > 0 ? 2 * ROWS : ROWS);
            }
            for (int k = 0; k < ROWS; k += 16) {
                FloatVector a = FloatVector.fromArray(Wide.F, acc, k);
                if (dminAt > 0) {
                    a = a.sub(FloatVector.fromArray(Wide.F, acc, ROWS + k));
                }
                a.intoArray(out, g * ROWS + k);
            }
        }
    }

    /** acc[k] = fma(sums[k], scales[k], acc[k]) for k < n: the values' lanes, then the minimums'. */
    private static void accumulate(int[] sums, float[] scales, float[] acc, int n) {
        for (int k = 0; k < n; k += 16) {
            ((FloatVector) IntVector.fromArray(Wide.I, sums, k).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(Wide.F, scales, k), FloatVector.fromArray(Wide.F, acc, k))
                    .intoArray(acc, k);
        }
    }
}
