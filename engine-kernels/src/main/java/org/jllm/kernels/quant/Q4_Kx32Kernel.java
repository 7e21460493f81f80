package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K with 32 rows interleaved, the scalar reference of this layout. A super-block of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, in the order the vector kernel reads it (a read behind the hardware prefetcher's
 * stream waits for memory): the rows' F16 d (row i at byte 2i), their F16 dmin ({@value #DMIN_AT} + 2i), their eight
 * 6-bit sub-block minimums unpacked to bytes (sub-block s of row i at {@value #MINS_AT} + 32s + i), the scales likewise
 * ({@value #SCALES_AT} + 32s + i), then for each of the four 32-byte chunks j of Q4_K's values and each byte l of it,
 * the 32 rows' byte ({@value #VALUES_AT} + 1024j + 32l + {@link #pairedLane}(i)). Unpacking the scales costs 4 bytes
 * per row and super-block (2.8 %) and saves the vector kernel their bit-fiddling.
 *
 * <p>The activations are Q8_K as for {@link Q4_KKernel}. A row's super-block sum is computed as the exact integers
 * sum_s scale_s * dot_s and sum_s min_s * xsum_s, accumulated as acc = fma(sum, d * d_x, acc) and
 * mins = fma(minSum, dmin * d_x, mins); the row's product is acc - mins: another float order than the stored
 * layout's kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class Q4_Kx32Kernel extends RowGroupKernel {
    private static final int BLOCK = 256;
    /** Bytes per row and super-block in this layout. */
    private static final int ROW_BYTES = 148;
    public static final int GROUP_BLOCK_BYTES = ROWS * ROW_BYTES;
    public static final int DMIN_AT = 2 * ROWS;
    public static final int MINS_AT = 4 * ROWS;
    public static final int SCALES_AT = MINS_AT + 8 * ROWS;
    public static final int VALUES_AT = SCALES_AT + 8 * ROWS;

    public Q4_Kx32Kernel() {
        super(new Q4_KKernel(), GROUP_BLOCK_BYTES, DMIN_AT);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        placeHeader(in, i, out);
        for (int k = 0; k < 128; k++) {
            out[VALUES_AT + ROWS * k + pairedLane(i)] = in[16 + k];
        }
    }

    /**
     * The header Q4_K and Q5_K share, from stored bytes 0-15 of row i: d, dmin, and the 12 bytes of 6-bit scales and
     * minimums (as {@link Q4_KKernel#scaleMin} reads them: sub-blocks 0-3 in the low 6 bits of bytes 0-3 (scales) and
     * 4-7 (minimums); 4-7 in the nibbles of bytes 8-11 with the top 2 bits of 0-3 / 4-7), unpacked to bytes.
     */
    static void placeHeader(byte[] in, int i, byte[] out) {
        out[2 * i] = in[0];
        out[2 * i + 1] = in[1];
        out[DMIN_AT + 2 * i] = in[2];
        out[DMIN_AT + 2 * i + 1] = in[3];
        for (int s = 0; s < 4; s++) {
            out[SCALES_AT + ROWS * s + i] = (byte) (in[4 + s] & 63);
            out[MINS_AT + ROWS * s + i] = (byte) (in[8 + s] & 63);
            int packed = in[12 + s] & 0xff;
            out[SCALES_AT + ROWS * (s + 4) + i] = (byte) ((packed & 15) | (in[4 + s] & 0xc0) >>> 2);
            out[MINS_AT + ROWS * (s + 4) + i] = (byte) ((packed >>> 4) | (in[8 + s] & 0xc0) >>> 2);
        }
    }

    @Override
    protected int groupValues() {
        return 32;
    }

    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        int b = u8(w, off + VALUES_AT + ROWS * (32L * (v / 64) + v % 32) + lane);
        return v % 64 < 32 ? b & 15 : b >>> 4;
    }

    @Override
    protected int scale(MemorySegment w, long off, int i, int g) {
        return u8(w, off + SCALES_AT + ROWS * g + i);
    }

    @Override
    protected int minimum(MemorySegment w, long off, int i, int g) {
        return u8(w, off + MINS_AT + ROWS * g + i);
    }
}
