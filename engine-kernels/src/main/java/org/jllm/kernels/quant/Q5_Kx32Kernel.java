package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q5_K with 32 rows interleaved, the scalar reference of this layout: {@link Q4_Kx32Kernel}'s header (d, dmin,
 * minimums, scales; its offsets), then Q5_K's values, in reading order (a read behind the hardware prefetcher's
 * stream waits for memory): chunk 0's columns l, each the 32 rows' nibble byte l followed by column l's fifth bits
 * (which chunks 1-3 read again, from cache), then chunks 1-3 as in Q4_K ({@link #valuesAt}, {@link #highBitsAt}, +
 * {@link #pairedLane}(i)). {@value #GROUP_BLOCK_BYTES} bytes per super-block of a group, 2.3 % more than stored.
 *
 * <p>Column l's fifth bits are eight 32-bit little-endian masks, one per sub-block s (at {@link #highBitsAt}(l) +
 * 4s), with bit {@link #pairedLane}(i) set where row i's fifth bit is 0: a lane mask, so the vector kernel makes
 * value - 16 with one masked subtraction (the bits spread to lanes by shifts and masks took twice the operations).
 *
 * <p>Value 32s + l of a super-block (sub-block s = 2j or 2j + 1) is the low or high nibble of byte 32j + l plus 16
 * where the mask's bit is clear. A row's sums are Q4_Kx32Kernel's: the exact integers sum_s scale_s * dot_s and
 * sum_s min_s * xsum_s, accumulated as acc = fma(sum, d * d_x, acc) and mins = fma(minSum, dmin * d_x, mins).
 */
public class Q5_Kx32Kernel extends RowGroupKernel {
    private static final int BLOCK = 256;
    public static final int GROUP_BLOCK_BYTES = ROWS * 180;
    public static final int VALUES_AT = Q4_Kx32Kernel.VALUES_AT;

    /** Offset of lane 0 of nibble byte l (0..31) of chunk j (0..3). */
    public static int valuesAt(int j, int l) {
        return j == 0 ? VALUES_AT + 2 * ROWS * l : VALUES_AT + 32 * ROWS * (j + 1) + ROWS * l;
    }

    /** Offset of column l's (0..31) eight fifth-bit masks: right after chunk 0's nibble byte l. */
    public static int highBitsAt(int l) {
        return VALUES_AT + 2 * ROWS * l + ROWS;
    }

    public Q5_Kx32Kernel() {
        super(new Q5_KKernel(), GROUP_BLOCK_BYTES, Q4_Kx32Kernel.DMIN_AT);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        Q4_Kx32Kernel.placeHeader(in, i, out);
        int lane = pairedLane(i);
        for (int l = 0; l < 32; l++) {
            int fifth = in[16 + l];
            for (int s = 0; s < 8; s++) {
                setBit(out, highBitsAt(l) + 4 * s, lane, (fifth >>> s & 1) == 0);
            }
            for (int j = 0; j < 4; j++) {
                out[valuesAt(j, l) + lane] = in[48 + 32 * j + l];
            }
        }
    }

    @Override
    protected int groupValues() {
        return 32;
    }

    /** Value 32s + l: the low or high nibble of byte 32j + l (s = 2j or 2j + 1), plus 16 unless its mask bit is set. */
    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        int s = v / 32;
        int l = v % 32;
        int b = u8(w, off + valuesAt(s / 2, l) + lane);
        return (s % 2 == 0 ? b & 15 : b >>> 4) | (1 - bit(w, off + highBitsAt(l) + 4 * s, lane)) << 4;
    }

    @Override
    protected int scale(MemorySegment w, long off, int i, int g) {
        return u8(w, off + Q4_Kx32Kernel.SCALES_AT + ROWS * g + i);
    }

    @Override
    protected int minimum(MemorySegment w, long off, int i, int g) {
        return u8(w, off + Q4_Kx32Kernel.MINS_AT + ROWS * g + i);
    }
}
