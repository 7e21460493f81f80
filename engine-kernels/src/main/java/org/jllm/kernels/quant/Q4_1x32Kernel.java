package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q4_1 with 32 rows interleaved, the scalar reference of this layout. Block b of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones, in reading order: the rows' F16 scales d (row i at
 * byte 2i), their F16 minimums m ({@value #MINIMUMS_AT} + 2i), then for each j in 0..15 their packed byte j
 * ({@value #VALUES_AT} + 32j + {@link #pairedLane}(i)): value j in the low nibble, j + 16 in the high one.
 *
 * <p>The activations are Q8_1 as for {@link Q4_1Kernel}, the minimum taken as {@link MinimumRowGroupKernel} takes
 * it: another float order than the stored layout's kernel (within float rounding of it), the vector kernel's
 * exactly.
 */
public class Q4_1x32Kernel extends MinimumRowGroupKernel {
    public static final int GROUP_BLOCK_BYTES = ROWS * 20;
    public static final int VALUES_AT = 4 * ROWS;

    public Q4_1x32Kernel() {
        super(new Q4_1Kernel(), GROUP_BLOCK_BYTES);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        placeScaleAndMinimum(in, i, out);
        int lane = pairedLane(i);
        for (int j = 0; j < 16; j++) {
            out[VALUES_AT + ROWS * j + lane] = in[4 + j];
        }
    }

    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        int b = u8(w, off + VALUES_AT + ROWS * (v % 16) + lane);
        return v < 16 ? b & 15 : b >>> 4;
    }
}
