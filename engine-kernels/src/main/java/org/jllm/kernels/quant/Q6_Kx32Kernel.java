package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q6_K with 32 rows interleaved, the scalar reference of this layout. A super-block of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones, laid out in the order the vector kernel reads it
 * (a read behind the hardware prefetcher's stream waits for memory): the rows' F16 d (row i at byte 2i), then eight
 * parts of 32 columns, each the rows' int8 scales of its two groups of 16 ({@link #scaleAt} + i) followed by four
 * units of 8 columns ({@link #unitAt}).
 *
 * <p>A unit holds each row's 8 values re-encoded for 16-bit lanes, so that the vector kernel loads them without
 * widening bytes: centred (q - 32) as 6-bit two's complement e0..e7, in three words (row i in int16 lane
 * {@link #pairedLane}(i) of each 64-byte word)
 * <pre>
 *   A = e0 &lt;&lt; 10 | e1 &lt;&lt; 4 | e6 &amp; 15
 *   B = e2 &lt;&lt; 10 | e3 &lt;&lt; 4 | (e7 &gt;&gt; 4) &lt;&lt; 2 | e6 &gt;&gt; 4
 *   C = e4 &lt;&lt; 10 | e5 &lt;&lt; 4 | e7 &amp; 15
 * </pre>
 * e0, e2, e4 are then one arithmetic shift of their word, e1, e3, e5 two, e6 and e7 their low nibble beside two
 * shifts of B; no value needs centring.
 *
 * <p>The activations are Q8_K as for {@link Q6_KKernel}. A row's super-block sum is the exact integer
 * sum_g scale_g * sum((q - 32) * x) over its 16 groups of 16 values, accumulated as acc = fma(sum, d * d_x, acc):
 * another float order than the stored layout's kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class Q6_Kx32Kernel extends RowGroupKernel {
    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int ROW_BYTES = 210;
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    public static final int GROUP_BLOCK_BYTES = ROWS * ROW_BYTES;
    /** A unit's three words, one int16 lane per row. */
    public static final int WORD_BYTES = 2 * ROWS;
    public static final int UNIT_BYTES = 3 * WORD_BYTES;
    /** A part: the scales of two groups of 16 columns, then four units of 8 columns. */
    public static final int PART_BYTES = 2 * ROWS + 4 * UNIT_BYTES;
    public static final int PARTS_AT = 2 * ROWS;

    /** Offset in a group's super-block of lane 0 of int8 scale g (0..15): 16 columns, two units. */
    public static int scaleAt(int g) {
        return PARTS_AT + PART_BYTES * (g / 2) + ROWS * (g % 2);
    }

    /** Offset in a group's super-block of unit u (0..31): columns 8u..8u + 7, words A, B, C. */
    public static int unitAt(int u) {
        return PARTS_AT + PART_BYTES * (u / 4) + 2 * ROWS + UNIT_BYTES * (u % 4);
    }

    public Q6_Kx32Kernel() {
        super(new Q6_KKernel(), GROUP_BLOCK_BYTES, 0);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[208];
        out[2 * i + 1] = in[209];
        for (int g = 0; g < 16; g++) {
            out[scaleAt(g) + i] = in[192 + g];
        }
        int lane = pairedLane(i);
        for (int u = 0; u < 32; u++) {
            // ggml packs value n = 8u + k (h = n / 128, t = n % 128 / 32, l = n % 32) as the low (t < 2) or high
            // nibble of ql[64h + 32(t & 1) + l] and bits 2t..2t+1 of qh[32h + l]: a unit's 8 values are 8
            // consecutive bytes of each, decoded here 8 at a time in a long (one value per byte).
            int h = u >> 4;
            int t = (u >> 2) & 3;
            long ql = (long) LE64.get(in, 64 * h + 32 * (t & 1) + 8 * (u & 3));
            long qh = (long) LE64.get(in, 128 + 32 * h + 8 * (u & 3));
            long q = (ql >>> (4 * (t >> 1))) & 0x0F0F0F0F0F0F0F0FL | ((qh >>> (2 * t)) & 0x0303030303030303L) << 4;
            long e = q ^ 0x2020202020202020L; // (q - 32) & 63 for each 6-bit q
            int e0 = (int) e & 63;
            int e1 = (int) (e >>> 8) & 63;
            int e2 = (int) (e >>> 16) & 63;
            int e3 = (int) (e >>> 24) & 63;
            int e4 = (int) (e >>> 32) & 63;
            int e5 = (int) (e >>> 40) & 63;
            int e6 = (int) (e >>> 48) & 63;
            int e7 = (int) (e >>> 56) & 63;
            int a = e0 << 10 | e1 << 4 | e6 & 15;
            int b = e2 << 10 | e3 << 4 | (e7 >> 4) << 2 | e6 >> 4;
            int c = e4 << 10 | e5 << 4 | e7 & 15;
            int at = unitAt(u) + 2 * lane;
            LE16.set(out, at, (short) a);
            LE16.set(out, at + WORD_BYTES, (short) b);
            LE16.set(out, at + 2 * WORD_BYTES, (short) c);
        }
    }

    @Override
    protected int groupValues() {
        return 16;
    }

    /** The 6-bit value of value v, centred (q - 32). */
    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        long at = off + unitAt(v / 8) + 2L * lane;
        int a = w.get(I16, at) & 0xffff;
        int b = w.get(I16, at + WORD_BYTES) & 0xffff;
        int c = w.get(I16, at + 2 * WORD_BYTES) & 0xffff;
        int e = switch (v % 8) {
            case 0 -> a >> 10;
            case 1 -> a >> 4;
            case 2 -> b >> 10;
            case 3 -> b >> 4;
            case 4 -> c >> 10;
            case 5 -> c >> 4;
            case 6 -> a & 15 | (b & 3) << 4;
            default -> c & 15 | (b >> 2 & 3) << 4;
        };
        return (e & 63) - (e & 32) * 2;
    }

    @Override
    protected int scale(MemorySegment w, long off, int i, int g) {
        return w.get(ValueLayout.JAVA_BYTE, off + scaleAt(g) + i);
    }
}
