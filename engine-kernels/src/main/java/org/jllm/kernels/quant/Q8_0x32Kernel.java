package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q8_0 with 32 rows interleaved, the scalar reference of this layout. Block b of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones, in reading order: the rows' F16 scales (row i at byte
 * 2i), then for each j in 0..31 the rows' int8 value j ({@value #VALUES_AT} + 32j + {@link #pairedLane}(i)).
 *
 * <p>The activations are Q8_0 as for {@link Q8_0Kernel}. A row's block dot product is the exact integer sum(q * x),
 * accumulated block after block as acc = fma(sum, d_w * d_x, acc): another float order than the stored layout's
 * kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class Q8_0x32Kernel extends RowGroupKernel {
    public static final int GROUP_BLOCK_BYTES = ROWS * 34;
    public static final int VALUES_AT = 2 * ROWS;
    private static final int BLOCK = Q8BlockKernel.BLOCK;

    public Q8_0x32Kernel() {
        super(new Q8_0Kernel(), GROUP_BLOCK_BYTES, 0);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[0];
        out[2 * i + 1] = in[1];
        int lane = pairedLane(i);
        for (int j = 0; j < BLOCK; j++) {
            out[VALUES_AT + ROWS * j + lane] = in[2 + j];
        }
    }

    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        return w.get(ValueLayout.JAVA_BYTE, off + VALUES_AT + ROWS * v + lane);
    }
}
