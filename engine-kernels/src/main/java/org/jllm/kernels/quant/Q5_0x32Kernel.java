package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q5_0 with 32 rows interleaved, the scalar reference of this layout. Block b of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones, in reading order: the rows' F16 scales (row i at
 * byte 2i), then their values centred (q - 16) in ten 16-bit words per row ({@value #WORDS_AT} on, see
 * {@link #placeFiveBitWords}), so that the vector kernel takes each value from its word with one or two shifts.
 *
 * <p>The activations are Q8_0 as for {@link Q5_0Kernel}. A row's block sum is the exact integer sum((q - 16) * x),
 * accumulated as acc = fma(sum, d_w * d_x, acc): another float order than the stored layout's kernel (within float
 * rounding of it), and the vector kernel's exactly.
 */
public class Q5_0x32Kernel extends RowGroupKernel {
    public static final int GROUP_BLOCK_BYTES = ROWS * 22;
    public static final int WORDS_AT = 2 * ROWS;

    public Q5_0x32Kernel() {
        super(new Q5_0Kernel(), GROUP_BLOCK_BYTES, 0);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[0];
        out[2 * i + 1] = in[1];
        placeFiveBitWords(storedFiveBitValues(in, 2), 32, i, out, WORDS_AT);
    }

    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        return fiveBitValue(w, off, lane, v, WORDS_AT);
    }
}
