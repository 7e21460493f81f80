package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q3_K with 32 rows interleaved, the scalar reference of this layout. A super-block of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes (3.6 % more than stored), in reading order: the rows' F16 d (row i at byte 2i),
 * their sixteen signed group scales s - 32 unpacked to bytes (group g of row i at {@value #SCALES_AT} + 32g + i),
 * then 32 columns l of {@value #COLUMN_BYTES} bytes, each the rows' hmask byte l, then their 2-bit bytes l and
 * 32 + l (at {@value #COLUMNS_AT} + 96l + {0, 32, 64} + {@link #pairedLane}(i)), every byte as stored.
 *
 * <p>The activations are Q8_K as for {@link Q3_KKernel}. A row's super-block sum is the exact integer
 * sum_g scale_g * sum(q * x), accumulated as acc = fma(sum, d * d_x, acc): another float order than the stored
 * layout's kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class Q3_Kx32Kernel extends RowGroupKernel {
    private static final int BLOCK = 256;
    public static final int GROUP_BLOCK_BYTES = ROWS * 114;
    public static final int SCALES_AT = 2 * ROWS;
    public static final int COLUMNS_AT = SCALES_AT + 16 * ROWS;
    public static final int COLUMN_BYTES = 3 * ROWS;

    public Q3_Kx32Kernel() {
        super(new Q3_KKernel(), GROUP_BLOCK_BYTES, 0);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[108];
        out[2 * i + 1] = in[109];
        for (int g = 0; g < 16; g++) {
            int low = g < 8 ? in[96 + g] & 15 : (in[96 + g - 8] & 0xff) >>> 4;
            int high = ((in[104 + g % 4] & 0xff) >>> (2 * (g / 4))) & 3;
            out[SCALES_AT + ROWS * g + i] = (byte) ((low | high << 4) - 32);
        }
        int lane = pairedLane(i);
        for (int l = 0; l < 32; l++) {
            int column = COLUMNS_AT + COLUMN_BYTES * l + lane;
            out[column] = in[l];
            out[column + ROWS] = in[32 + l];
            out[column + 2 * ROWS] = in[64 + l];
        }
    }

    @Override
    protected int groupValues() {
        return 16;
    }

    /** Value v (-4..3): 2-bit field j of byte 32n + l, minus 4 unless bit 4n + j of hmask byte l is set. */
    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        int n = v / 128;
        int j = v % 128 / 32;
        long column = off + COLUMNS_AT + (long) COLUMN_BYTES * (v % 32) + lane;
        int q = (u8(w, column + ROWS * (1 + n)) >>> (2 * j)) & 3;
        int h = (u8(w, column) >>> (4 * n + j)) & 1;
        return q + 4 * h - 4;
    }

    @Override
    protected int scale(MemorySegment w, long off, int i, int g) {
        return w.get(ValueLayout.JAVA_BYTE, off + SCALES_AT + ROWS * g + i);
    }
}
