package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q2_K with 32 rows interleaved, the scalar reference of this layout. A super-block of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones, in reading order: the rows' F16 d (row i at byte 2i)
 * and dmin ({@value #DMIN_AT} + 2i), their sixteen scale-and-minimum bytes as stored (group g of row i at
 * {@value #SCALES_AT} + 32g + i), then 32 columns l, each the rows' 2-bit bytes l and 32 + l (at
 * {@value #COLUMNS_AT} + 64l + {0, 32} + {@link #pairedLane}(i)).
 *
 * <p>The activations are Q8_K as for {@link Q2_KKernel}. A row's super-block sums are the exact integers
 * sum_g scale_g * sum(q * x) and sum_g min_g * xsum_g, accumulated as acc = fma(sum, d * d_x, acc) and
 * mins = fma(minSum, dmin * d_x, mins); the row's product is acc - mins: another float order than the stored layout's
 * kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class Q2_Kx32Kernel extends RowGroupKernel {
    private static final int BLOCK = 256;
    public static final int GROUP_BLOCK_BYTES = ROWS * 84;
    public static final int DMIN_AT = 2 * ROWS;
    public static final int SCALES_AT = 4 * ROWS;
    public static final int COLUMNS_AT = SCALES_AT + 16 * ROWS;
    public static final int COLUMN_BYTES = 2 * ROWS;

    public Q2_Kx32Kernel() {
        super(new Q2_KKernel(), GROUP_BLOCK_BYTES, DMIN_AT);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[80];
        out[2 * i + 1] = in[81];
        out[DMIN_AT + 2 * i] = in[82];
        out[DMIN_AT + 2 * i + 1] = in[83];
        for (int g = 0; g < 16; g++) {
            out[SCALES_AT + ROWS * g + i] = in[g];
        }
        int lane = pairedLane(i);
        for (int l = 0; l < 32; l++) {
            out[COLUMNS_AT + COLUMN_BYTES * l + lane] = in[16 + l];
            out[COLUMNS_AT + COLUMN_BYTES * l + ROWS + lane] = in[48 + l];
        }
    }

    @Override
    protected int groupValues() {
        return 16;
    }

    /** Value v (0..3): 2-bit field (v % 128) / 32 of byte 32n + l. */
    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        long at = off + COLUMNS_AT + (long) COLUMN_BYTES * (v % 32) + ROWS * (v / 128) + lane;
        return (u8(w, at) >>> (2 * (v % 128 / 32))) & 3;
    }

    @Override
    protected int scale(MemorySegment w, long off, int i, int g) {
        return u8(w, off + SCALES_AT + ROWS * g + i) & 15;
    }

    @Override
    protected int minimum(MemorySegment w, long off, int i, int g) {
        return u8(w, off + SCALES_AT + ROWS * g + i) >>> 4;
    }
}
