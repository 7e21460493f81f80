package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;

/**
 * IQ4_NL with 32 rows interleaved, the scalar reference of this layout: Q4_0's group block (the 32 rows' F16 scales,
 * then for each j in 0..15 the rows' packed byte j), with the byte of row i in lane {@link #pairedLane}(i). The
 * activations are Q8_0 as for {@link IQ4_NLKernel}; a row's block sum is the exact integer sum(level * x),
 * accumulated as acc = fma(sum, d_w * d_x, acc): another float order than the stored layout's kernel (within float
 * rounding of it), and the vector kernel's exactly.
 */
public class IQ4_NLx32Kernel extends RowGroupKernel {
    public static final int GROUP_BLOCK_BYTES = ROWS * 18;
    public static final int VALUES_AT = 2 * ROWS;
    private static final int BLOCK = 32;

    public IQ4_NLx32Kernel() {
        super(new IQ4_NLKernel(), GROUP_BLOCK_BYTES, 0);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[0];
        out[2 * i + 1] = in[1];
        int lane = pairedLane(i);
        for (int j = 0; j < 16; j++) {
            out[VALUES_AT + ROWS * j + lane] = in[2 + j];
        }
    }

    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        int b = u8(w, off + VALUES_AT + ROWS * (v % 16) + lane);
        return IQ4_NLKernel.LEVELS[v < 16 ? b & 15 : b >>> 4];
    }
}
