package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Activations;

/**
 * Q5_1 with 32 rows interleaved, the scalar reference of this layout. Block b of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones, in reading order: the rows' F16 scales d (row i at
 * byte 2i), their F16 minimums m ({@value #MINIMUMS_AT} + 2i), then their values as Q5_0's ({@value #COLUMNS_AT}
 * on, see {@link #placeFiveBitColumns}).
 *
 * <p>The activations are Q8_1 as for {@link Q5_1Kernel}, the minimum taken as {@link MinimumRowGroupKernel} takes
 * it. A row's block sum is the exact integer sum(q * x) = sum((q - 16) * x) + 16 * sum(x), the vector kernel's
 * second term coming with the activations ({@link Activations#groupSums}). Another float order than the stored
 * layout's kernel (within float rounding of it), the vector kernel's exactly.
 */
public class Q5_1x32Kernel extends MinimumRowGroupKernel {
    public static final int GROUP_BLOCK_BYTES = ROWS * 24;
    public static final int COLUMNS_AT = 4 * ROWS;

    public Q5_1x32Kernel() {
        super(new Q5_1Kernel(), GROUP_BLOCK_BYTES);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        placeScaleAndMinimum(in, i, out);
        placeFiveBitColumns(storedFiveBitValues(in, 4), i, out, COLUMNS_AT);
    }

    /** As {@link Q5_1Kernel#prepareInput}, plus each block's 16 * sum(x) as an int: the term of the centring. */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        prepareInputWithOffsets(x, n, out, 16);
    }

    /** The value q, 0..31. */
    @Override
    protected int value(MemorySegment w, long off, int i, int lane, int v) {
        return fiveBitColumnValue(w, off, i, v, COLUMNS_AT);
    }
}
