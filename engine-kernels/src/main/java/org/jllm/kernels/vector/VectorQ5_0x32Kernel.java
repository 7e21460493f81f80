package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q5_0x32Kernel;

/**
 * The 512-bit kernel of Q5_0 with 32 interleaved rows, {@link VectorQ4_0x32Kernel}'s loop over the layout's column
 * pairs (see {@link org.jllm.kernels.quant.RowGroupKernel#placeFiveBitColumns}): one 32-byte load gives the 32 rows'
 * nibbles of values j and j + 16, a long their two lane masks, and each nibble less 16 where its mask bit is set (a
 * masked subtraction) is q - 16, multiplied by its broadcast activation and summed in an int16 accumulator (16
 * products of at most 16 x 127). Against 5-bit values packed three to a 16-bit word and taken out by multiplies
 * and shifts (two multiplies for most values), single thread: Q5_1 1.8x in cache (1024 x 2048), Q5_0 the same in
 * cache and 1.04x from memory (16384 x 8192; 1.2x in a kernel of its own). Same bits as the scalar
 * {@link Q5_0x32Kernel}. Q5_1 shares it ({@code minimums}).
 */
final class VectorQ5_0x32Kernel extends Q5_0x32Kernel {

    /** The scalar quantization's bits, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepare(x, n, out, 0);
    }
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Wide.LE);

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        matVec(w, cols, x, out, rowFrom, rowTo, GROUP_BLOCK_BYTES, COLUMNS_AT, false);
    }

    /**
     * Q5_0's and Q5_1's products ({@code minimums}: the rows' F16 minimums follow their scales, each block's sums
     * start from the activations' 16 * sum(x), the centring's term, and the minimums times Q8_1's sums s are
     * subtracted on the float side): blocks of {@code groupBlockBytes}, column pairs at {@code columnsAt}.
     */
    static void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo,
                       int groupBlockBytes, int columnsAt, boolean minimums) {
        int blocks = cols / 32;
        short[] xq = x.shorts();
        float[] xd = x.scales();
        float[] xs = x.sums();
        int[] offsets = x.groupSums();
        float[] scales = GroupScratch.get().scales;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * groupBlockBytes;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            FloatVector min0 = acc0;
            FloatVector min1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * groupBlockBytes;
                Wide.f16Times(w, off, xd[b], scales, 0);
                if (minimums) {
                    Wide.f16Times(w, off + 2 * ROWS, xs[b], scales, ROWS);
                }
                int xb = 32 * b;
                ShortVector lo = ShortVector.zero(Wide.S);
                ShortVector hi = lo;
                for (int j = 0; j < 16; j++) {
                    long at = off + columnsAt + (long) FIVE_BIT_COLUMN_BYTES * j;
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, at, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
                    long bits = w.get(I64, at + ROWS);
                    lo = v.and((short) 15)
                            .lanewise(VectorOperators.SUB, (short) 16, VectorMask.fromLong(Wide.S, bits))
                            .mul(xq[xb + j]).add(lo);
                    hi = v.lanewise(VectorOperators.LSHR, 4)
                            .lanewise(VectorOperators.SUB, (short) 16, VectorMask.fromLong(Wide.S, bits >>> 32))
                            .mul(xq[xb + 16 + j]).add(hi);
                }
                // Q5_1's centring term; a scalar, so that no vector merges two branches (the JIT may box it).
                int offset = minimums ? offsets[b] : 0;
                IntVector rows0 = ((IntVector) lo.convertShape(VectorOperators.S2I, Wide.I, 0))
                        .add((IntVector) hi.convertShape(VectorOperators.S2I, Wide.I, 0)).add(offset);
                IntVector rows1 = ((IntVector) lo.convertShape(VectorOperators.S2I, Wide.I, 1))
                        .add((IntVector) hi.convertShape(VectorOperators.S2I, Wide.I, 1)).add(offset);
                acc0 = ((FloatVector) rows0.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) rows1.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
                if (minimums) {
                    // The minimums' sum of m * s; the scalar kernel sums their negations (fma(-1, m * s, mins))
                    // and subtracts that: negation is exact and rounding symmetric, so the bits are the same.
                    min0 = FloatVector.fromArray(Wide.F, scales, 32).add(min0);
                    min1 = FloatVector.fromArray(Wide.F, scales, 48).add(min1);
                }
            }
            (minimums ? acc0.add(min0) : acc0).intoArray(out, g * ROWS);
            (minimums ? acc1.add(min1) : acc1).intoArray(out, g * ROWS + 16);
        }
    }
}
