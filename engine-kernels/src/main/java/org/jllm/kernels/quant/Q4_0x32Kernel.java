package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jllm.kernels.Activations;

/**
 * Q4_0 with 32 rows interleaved, the scalar reference of this layout. Block b of a group of 32 rows is 576 bytes:
 * the 32 rows' F16 scales (row i at byte 2i), then for each j in 0..15 the 32 rows' packed byte j (row i at byte
 * 64 + 32j + i), which holds value j in its low nibble and value j + 16 in its high nibble as in Q4_0. So a vector of
 * 32 int16 lanes holds one column pair of 32 rows, and a row's sum over a block stays in its own lane.
 *
 * <p>The activations are quantized to Q8_0 as for {@link Q4_0Kernel}. A row's block dot product is the exact
 * integer sum(q * x) - 8 * sum(x), and rows are accumulated block after block as acc = fma(sum, d_w * d_x, acc):
 * a different float order than the file-layout kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class Q4_0x32Kernel extends RowGroupKernel {
    /** Bytes of one block of a group: 32 rows x 18 bytes. */
    public static final int GROUP_BLOCK_BYTES = ROWS * 18;
    /** Where the packed values start inside a group's block. */
    public static final int VALUES_AT = 2 * ROWS;

    public Q4_0x32Kernel() {
        super(new Q4_0Kernel(), GROUP_BLOCK_BYTES, 0);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        out[2 * i] = in[0];
        out[2 * i + 1] = in[1];
        for (int j = 0; j < 16; j++) {
            out[VALUES_AT + ROWS * j + i] = in[2 + j];
        }
    }

    /**
     * As {@link Q4_0Kernel#prepareInput}, plus each block's 8 * sum(x) as an int ({@link Activations#groupSums}),
     * the term of the weights' offset 8.
     */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        prepareInputWithOffsets(x, n, out, 8);
    }

    /** Nibble - 8; summed against the activations it gives sum(q * x) - 8 * sum(x), as the vector kernel does. */
    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        int b = w.get(ValueLayout.JAVA_BYTE, off + VALUES_AT + ROWS * (v % 16) + i) & 0xff;
        return (v < 16 ? b & 15 : b >>> 4) - 8;
    }
}
