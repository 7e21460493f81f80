package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Activations;
import org.jllm.kernels.WeightKernel;

/**
 * The interleaved layouts of the 32-value types with a minimum (Q4_1, Q5_1: weight = d * q + m), whose activations
 * are Q8_1 with s_x = d_x * sum(x) rounded to F16: a row's block product is d * d_x * sum(q * x) + m * s_x. The
 * minimum is taken as this layout's minimum -1 times dmin = m, once per block, scaled by s_x: mins = fma(-1, m * s_x,
 * mins), and the row's product is acc - mins.
 */
public abstract class MinimumRowGroupKernel extends RowGroupKernel {
    /** Where the rows' F16 minimums start in a group's block, after their scales. */
    public static final int MINIMUMS_AT = 2 * ROWS;

    protected MinimumRowGroupKernel(WeightKernel stored, int groupBlockBytes) {
        super(stored, groupBlockBytes, MINIMUMS_AT);
    }

    /** Row i's F16 d and m (the stored block's first 4 bytes) to their places in the group's block. */
    protected static void placeScaleAndMinimum(byte[] in, int i, byte[] out) {
        out[2 * i] = in[0];
        out[2 * i + 1] = in[1];
        out[MINIMUMS_AT + 2 * i] = in[2];
        out[MINIMUMS_AT + 2 * i + 1] = in[3];
    }

    @Override
    protected final int minimum(MemorySegment w, long off, int i, int g) {
        return -1;
    }

    @Override
    protected final int minimumSum(MemorySegment w, long off, int i, Activations x, int b) {
        return -1;
    }

    @Override
    protected final float minimumScale(Activations x, int b) {
        return x.sums()[b];
    }
}
