package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q5_0 with 32 rows interleaved, the scalar reference of this layout. Block b of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones, in reading order: the rows' F16 scales (row i at
 * byte 2i), then 16 column pairs of the rows' values ({@value #COLUMNS_AT} on, see {@link #placeFiveBitColumns}):
 * their low four bits packed as in Q4_0, then a lane mask of the values whose fifth bit is 0, so that the vector
 * kernel makes q - 16 from a nibble with one masked subtraction.
 *
 * <p>The activations are Q8_0 as for {@link Q5_0Kernel}. A row's block sum is the exact integer sum((q - 16) * x),
 * accumulated as acc = fma(sum, d_w * d_x, acc): another float order than the stored layout's kernel (within float
 * rounding of it), and the vector kernel's exactly.
 */
public class Q5_0x32Kernel extends RowGroupKernel {
    public static final int GROUP_BLOCK_BYTES = ROWS * 22;
    public static final int COLUMNS_AT = 2 * ROWS;

    public Q5_0x32Kernel() {
        super(new Q5_0Kernel(), GROUP_BLOCK_BYTES, 0);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[0];
        out[2 * i + 1] = in[1];
        placeFiveBitColumns(storedFiveBitValues(in, 2), i, out, COLUMNS_AT);
    }

    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        return fiveBitColumnValue(w, off, i, v, COLUMNS_AT) - 16;
    }
}
