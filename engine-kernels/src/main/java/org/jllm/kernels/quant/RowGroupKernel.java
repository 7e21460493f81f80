package org.jllm.kernels.quant;

import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.RowInterleavedKernel;
import org.jllm.kernels.WeightKernel;

/**
 * What the layouts of 32 interleaved rows share: the activations are prepared as for the stored type's integer
 * kernel ({@code stored}), and products cover whole groups.
 */
public abstract class RowGroupKernel implements RowInterleavedKernel {
    public static final int ROWS = 32;

    protected final WeightKernel stored;

    protected RowGroupKernel(WeightKernel stored) {
        this.stored = stored;
    }

    @Override
    public final GgmlType type() {
        return stored.type();
    }

    @Override
    public final int rowsPerGroup() {
        return ROWS;
    }

    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        stored.prepareInput(x, n, out);
    }

    @Override
    public final void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff) {
        stored.roundInput(x, xOff, n, dst, dstOff);
    }

    /**
     * The byte lane of row {@code i} (0..31) of a group in the layouts that interleave rows pairwise: rows 0-15 in the
     * even lanes, rows 16-31 in the odd ones. Then 32 int16 sums, read as 16 ints, split into rows 0-15 (the low
     * halves, sign-extended) and rows 16-31 (the high halves, shifted down) by shifts within each int lane; a widening
     * conversion of the upper 16 lanes is not always compiled to one instruction.
     */
    public static int pairedLane(int i) {
        return i < 16 ? 2 * i : 2 * (i - 16) + 1;
    }

    /** Products cover whole groups: a partial one would be skipped by the vector kernels. */
    protected final void checkGroups(int rowFrom, int rowTo) {
        if (rowFrom % ROWS != 0 || rowTo % ROWS != 0) {
            throw new IllegalArgumentException("rows [" + rowFrom + ", " + rowTo + ") of a " + type() + " matrix "
                    + "interleaved by " + ROWS + " rows must start and end at a multiple of " + ROWS);
        }
    }
}
