package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q3_K with 32 rows interleaved, the scalar reference of this layout. A super-block of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes (3.6 % more than stored), in reading order: the rows' F16 d (row i at byte 2i),
 * their sixteen signed group scales s - 32 unpacked to bytes (group g of row i at {@value #SCALES_AT} + 32g + i),
 * then the 16 groups' values (-4..3) as 3-bit two's complement, three 16-bit words per group of 16 (group g's word k
 * at {@value #UNITS_AT} + 192g + 64k, row i in int16 lane {@link #pairedLane}(i)):
 * <pre>
 *   W_k = e_5k &lt;&lt; 13 | e_5k+1 &lt;&lt; 10 | e_5k+2 &lt;&lt; 7 | e_5k+3 &lt;&lt; 4 | e_5k+4 &lt;&lt; 1 | bit k of e15
 * </pre>
 * so that the vector kernel takes each value from its word with one or two shifts (value 15 from the words' low bits).
 *
 * <p>The activations are Q8_K as for {@link Q3_KKernel}. A row's super-block sum is the exact integer
 * sum_g scale_g * sum(q * x), accumulated as acc = fma(sum, d * d_x, acc): another float order than the stored
 * layout's kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class Q3_Kx32Kernel extends RowGroupKernel {
    public static final int GROUP_BLOCK_BYTES = ROWS * 114;
    public static final int SCALES_AT = 2 * ROWS;
    public static final int UNITS_AT = SCALES_AT + 16 * ROWS;
    /** A group of 16 values: three words of 32 int16 lanes. */
    public static final int UNIT_BYTES = 3 * WORD_BYTES;

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
        for (int g = 0; g < 16; g++) {
            int[] e = new int[16];
            for (int t = 0; t < 16; t++) {
                e[t] = storedValue(in, 16 * g + t) & 7;
            }
            for (int k = 0; k < 3; k++) {
                int word = e[5 * k] << 13 | e[5 * k + 1] << 10 | e[5 * k + 2] << 7 | e[5 * k + 3] << 4
                        | e[5 * k + 4] << 1 | (e[15] >>> k) & 1;
                int at = UNITS_AT + UNIT_BYTES * g + WORD_BYTES * k + 2 * lane;
                out[at] = (byte) word;
                out[at + 1] = (byte) (word >>> 8);
            }
        }
    }

    /** Value v (-4..3) of a stored block: 2-bit field j of byte 32n + l, minus 4 unless bit 4n + j of hmask l. */
    private static int storedValue(byte[] in, int v) {
        int n = v / 128;
        int j = v % 128 / 32;
        int l = v % 32;
        int q = ((in[32 + 32 * n + l] & 0xff) >>> (2 * j)) & 3;
        int h = ((in[l] & 0xff) >>> (4 * n + j)) & 1;
        return q + 4 * h - 4;
    }

    @Override
    protected int groupValues() {
        return 16;
    }

    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        long unit = off + UNITS_AT + (long) UNIT_BYTES * (v / 16) + 2L * lane;
        int t = v % 16;
        int e;
        if (t == 15) {
            e = 0;
            for (int k = 0; k < 3; k++) {
                e |= (w.get(I16, unit + (long) WORD_BYTES * k) & 1) << k;
            }
        } else {
            e = w.get(I16, unit + (long) WORD_BYTES * (t / 5)) >>> (13 - 3 * (t % 5)) & 7;
        }
        return e - ((e & 4) << 1);
    }

    @Override
    protected int scale(MemorySegment w, long off, int i, int g) {
        return w.get(ValueLayout.JAVA_BYTE, off + SCALES_AT + ROWS * g + i);
    }

    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
}
