package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.RowInterleavedKernel;
import org.jllm.kernels.WeightKernel;

/**
 * What the layouts of 32 interleaved rows share: a group's block is made from the 32 rows' stored blocks one row at
 * a time ({@link #placeRow}), the activations are prepared as for the stored type's integer kernel ({@code stored}),
 * and products cover whole groups.
 */
public abstract class RowGroupKernel implements RowInterleavedKernel {
    public static final int ROWS = 32;

    protected final WeightKernel stored;
    private final int groupBlockBytes;

    /** @param groupBlockBytes bytes of one block of a group: its 32 rows' stored blocks in this layout */
    protected RowGroupKernel(WeightKernel stored, int groupBlockBytes) {
        this.stored = stored;
        this.groupBlockBytes = groupBlockBytes;
    }

    @Override
    public final GgmlType type() {
        return stored.type();
    }

    @Override
    public final int rowsPerGroup() {
        return ROWS;
    }

    /**
     * Writes {@code in}, row {@code i}'s stored block, into its places in {@code out}, the group's block in this
     * layout.
     */
    protected abstract void placeRow(byte[] in, int i, byte[] out);

    @Override
    public final long interleavedBytes(long rows, int cols) {
        return rows / ROWS * (cols / type().blockSize()) * groupBlockBytes;
    }

    @Override
    public void interleave(MemorySegment src, int cols, MemorySegment dst, int groupFrom, int groupTo) {
        int blocks = cols / type().blockSize();
        int storedBytes = type().bytesPerBlock();
        byte[] in = new byte[storedBytes];
        byte[] out = new byte[groupBlockBytes];
        for (int g = groupFrom; g < groupTo; g++) {
            for (int b = 0; b < blocks; b++) {
                for (int i = 0; i < ROWS; i++) {
                    long at = ((long) (g * ROWS + i) * blocks + b) * storedBytes;
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, at, in, 0, storedBytes);
                    placeRow(in, i, out);
                }
                long to = ((long) g * blocks + b) * out.length;
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, to, out.length);
            }
        }
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
