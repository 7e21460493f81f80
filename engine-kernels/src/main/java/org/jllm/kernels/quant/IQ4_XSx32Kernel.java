package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * IQ4_XS with 32 rows interleaved, the scalar reference of this layout. A super-block of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes (1.5 % more than stored), in reading order: the rows' F16 d (row i at byte 2i),
 * their eight signed block scales s - 32 unpacked to bytes (block ib of row i at {@value #SCALES_AT} + 32ib + i), then the
 * 128 bytes of nibbles as stored, byte k of the 32 rows at {@value #VALUES_AT} + 32k + {@link #pairedLane}(i).
 *
 * <p>The activations are Q8_K as for {@link IQ4_XSKernel}. A row's super-block sum is the exact integer
 * sum_ib scale_ib * sum(level * x), accumulated as acc = fma(sum, d * d_x, acc): another float order than the stored
 * layout's kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class IQ4_XSx32Kernel extends RowGroupKernel {
    private static final int BLOCK = 256;
    public static final int GROUP_BLOCK_BYTES = ROWS * 138;
    public static final int SCALES_AT = 2 * ROWS;
    public static final int VALUES_AT = SCALES_AT + 8 * ROWS;

    public IQ4_XSx32Kernel() {
        super(new IQ4_XSKernel(), GROUP_BLOCK_BYTES, 0);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[0];
        out[2 * i + 1] = in[1];
        int high = (in[2] & 0xff) | (in[3] & 0xff) << 8;
        for (int ib = 0; ib < 8; ib++) {
            int low = ((in[4 + ib / 2] & 0xff) >>> (4 * (ib % 2))) & 15;
            out[SCALES_AT + ROWS * ib + i] = (byte) ((low | ((high >>> (2 * ib)) & 3) << 4) - 32);
        }
        int lane = pairedLane(i);
        for (int k = 0; k < 128; k++) {
            out[VALUES_AT + ROWS * k + lane] = in[8 + k];
        }
    }

    @Override
    protected int groupValues() {
        return 32;
    }

    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        int j = v % 32;
        int b = u8(w, off + VALUES_AT + ROWS * (16L * (v / 32) + j % 16) + lane);
        return IQ4_NLKernel.LEVELS[j < 16 ? b & 15 : b >>> 4];
    }

    @Override
    protected int scale(MemorySegment w, long off, int i, int g) {
        return w.get(ValueLayout.JAVA_BYTE, off + SCALES_AT + ROWS * g + i);
    }
}
