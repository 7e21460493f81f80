package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q6_K with 32 rows interleaved, the scalar reference of this layout. A super-block of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones, laid out in the order the vector kernel reads it
 * (a read behind the hardware prefetcher's stream waits for memory): the rows' F16 d (row i at byte 2i), then four
 * units, one per half h of the super-block and per 16 bytes u of the half's low bits. A unit holds the rows' int8
 * scales of its four groups (quarter t: {@link #scaleAt} + i), then two parts of 8 columns l, each column the rows'
 * low-bit byte l, its partner l + 32 and the high-bit byte l ({@link #lowBitsAt}, {@link #highBitsAt}, +
 * {@link #pairedLane}(i)), every byte as stored.
 *
 * <p>The activations are Q8_K as for {@link Q6_KKernel}. A row's super-block sum is the exact integer
 * sum_g scale_g * sum((q - 32) * x) over its 16 groups of 16 values, accumulated as acc = fma(sum, d * d_x, acc):
 * another float order than the stored layout's kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class Q6_Kx32Kernel extends RowGroupKernel {
    private static final int BLOCK = 256;
    private static final int ROW_BYTES = 210;
    public static final int GROUP_BLOCK_BYTES = ROWS * ROW_BYTES;
    /** Where the units start; each is {@value #UNIT_BYTES} bytes: 4 x 32 scales, then two parts of 8 columns. */
    public static final int UNITS_AT = 2 * ROWS;
    /**
     * A part: 8 columns l of {@value #COLUMN_BYTES} bytes, each the rows' low-bit byte l, its partner l + 32 (at
     * {@value #PARTNERS_AT}) and high-bit byte l (at {@value #HIGH_BITS_AT}): read strictly in address order.
     */
    public static final int COLUMN_BYTES = 3 * ROWS;
    public static final int PART_BYTES = 8 * COLUMN_BYTES;
    public static final int PARTNERS_AT = ROWS;
    public static final int HIGH_BITS_AT = 2 * ROWS;
    public static final int UNIT_BYTES = 4 * ROWS + 2 * PART_BYTES;

    /** The unit of half h and low-bit bytes [16u, 16u + 16) of that half. */
    private static int unitAt(int h, int u) {
        return UNITS_AT + UNIT_BYTES * (2 * h + u);
    }

    /** Offset in a group's super-block of lane 0 of int8 scale g (0..15). */
    public static int scaleAt(int g) {
        return unitAt(g / 8, g % 2) + ROWS * (g % 8 / 2);
    }

    /** The part holding column l (0..31) of half h. */
    private static int partAt(int h, int l) {
        return unitAt(h, l / 16) + 4 * ROWS + PART_BYTES * (l % 16 / 8) + COLUMN_BYTES * (l % 8);
    }

    /** Offset of lane 0 of stored low-bit byte k (0..127): half k / 64, column k % 32, a partner when k % 64 >= 32. */
    public static int lowBitsAt(int k) {
        return partAt(k / 64, k % 32) + (k % 64 >= 32 ? PARTNERS_AT : 0);
    }

    /** Offset of lane 0 of stored high-bit byte k (0..63): half k / 32, column k % 32. */
    public static int highBitsAt(int k) {
        return partAt(k / 32, k % 32) + HIGH_BITS_AT;
    }

    /** {@link #scaleAt} of scales 0-15; {@link #lowBitsAt} of bytes 0-127, then {@link #highBitsAt} of 0-63. */
    private static final int[] SCALE_OFFSETS = new int[16];
    private static final int[] BIT_OFFSETS = new int[192];

    static {
        for (int k = 0; k < 16; k++) {
            SCALE_OFFSETS[k] = scaleAt(k);
        }
        for (int k = 0; k < 128; k++) {
            BIT_OFFSETS[k] = lowBitsAt(k);
        }
        for (int k = 0; k < 64; k++) {
            BIT_OFFSETS[128 + k] = highBitsAt(k);
        }
    }

    public Q6_Kx32Kernel() {
        super(new Q6_KKernel(), GROUP_BLOCK_BYTES, 0);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[208];
        out[2 * i + 1] = in[209];
        int lane = pairedLane(i);
        for (int k = 0; k < 16; k++) {
            out[SCALE_OFFSETS[k] + i] = in[192 + k];
        }
        for (int k = 0; k < 192; k++) {
            out[BIT_OFFSETS[k] + lane] = in[k];
        }
    }

    @Override
    protected int groupValues() {
        return 16;
    }

    /** The 6-bit value of value v, centred (q - 32). */
    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        int h = v / 128;
        int t = v % 128 / 32;
        int l = v % 32;
        int ql = u8(w, off + lowBitsAt(64 * h + l + 32 * (t & 1)) + lane);
        int qh = u8(w, off + highBitsAt(32 * h + l) + lane);
        return ((t < 2 ? ql & 0x0f : ql >>> 4) | ((qh >>> (2 * t)) & 3) << 4) - 32;
    }

    @Override
    protected int scale(MemorySegment w, long off, int i, int g) {
        return w.get(ValueLayout.JAVA_BYTE, off + scaleAt(g) + i);
    }
}
