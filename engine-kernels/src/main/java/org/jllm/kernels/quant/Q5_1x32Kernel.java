package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q5_1 with 32 rows interleaved, the scalar reference of this layout. Block b of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones, in reading order: the rows' F16 scales d (row i at
 * byte 2i), their F16 minimums m ({@value #MINIMUMS_AT} + 2i), their four fifth-bit bytes (byte k at
 * {@value #HIGH_BITS_AT} + 32k + {@link #pairedLane}(i)), then for each j in 0..15 their packed byte j
 * ({@value #VALUES_AT} + 32j + the same lane).
 *
 * <p>The activations are Q8_1 as for {@link Q5_1Kernel}, the minimum taken as {@link MinimumRowGroupKernel} takes
 * it; values 0-31 uncentred (8 products of at most 31 x 127 fit the vector kernel's int16 sums). Another float order
 * than the stored layout's kernel (within float rounding of it), the vector kernel's exactly.
 */
public class Q5_1x32Kernel extends MinimumRowGroupKernel {
    public static final int GROUP_BLOCK_BYTES = ROWS * 24;
    public static final int HIGH_BITS_AT = 4 * ROWS;
    public static final int VALUES_AT = HIGH_BITS_AT + 4 * ROWS;

    public Q5_1x32Kernel() {
        super(new Q5_1Kernel(), GROUP_BLOCK_BYTES);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        placeScaleAndMinimum(in, i, out);
        placeFiveBitValues(in, 4, i, out, HIGH_BITS_AT, VALUES_AT);
    }

    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        return fiveBitValue(w, off, lane, v, HIGH_BITS_AT, VALUES_AT);
    }
}
