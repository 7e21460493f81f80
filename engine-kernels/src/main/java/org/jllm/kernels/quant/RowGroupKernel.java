package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jllm.kernels.Activations;
import org.jllm.kernels.Numbers;
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

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    protected final WeightKernel stored;
    private final int groupBlockBytes;
    private final int dminAt;

    /**
     * @param groupBlockBytes bytes of one block of a group: its 32 rows' stored blocks in this layout
     * @param dminAt          offset of the rows' F16 dmin in a group's block, after their F16 d at its start; 0 for
     *                        types without minimums
     */
    protected RowGroupKernel(WeightKernel stored, int groupBlockBytes, int dminAt) {
        this.stored = stored;
        this.groupBlockBytes = groupBlockBytes;
        this.dminAt = dminAt;
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

    /**
     * A group's 32 rows are one run of the stored matrix, and its blocks one run of the copy: each is moved with one
     * bulk copy per group (a copy per row and block, 210 bytes for Q6_K, spent most of a first load's time in the
     * segment's checks).
     */
    @Override
    public void interleave(MemorySegment src, int cols, MemorySegment dst, int groupFrom, int groupTo) {
        int blocks = cols / type().blockSize();
        int storedBytes = type().bytesPerBlock();
        byte[] rows = new byte[ROWS * blocks * storedBytes];
        byte[] group = new byte[blocks * groupBlockBytes];
        byte[] in = new byte[storedBytes];
        byte[] out = new byte[groupBlockBytes];
        for (int g = groupFrom; g < groupTo; g++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) g * rows.length, rows, 0, rows.length);
            for (int b = 0; b < blocks; b++) {
                for (int i = 0; i < ROWS; i++) {
                    System.arraycopy(rows, (i * blocks + b) * storedBytes, in, 0, storedBytes);
                    placeRow(in, i, out);
                }
                System.arraycopy(out, 0, group, b * groupBlockBytes, groupBlockBytes);
            }
            MemorySegment.copy(group, 0, dst, ValueLayout.JAVA_BYTE, (long) g * group.length, group.length);
        }
    }

    /**
     * The scalar reference of the products: per row and block, acc = fma(blockSum, d * d_x, acc) with d the row's F16
     * scale, and for types with minimums mins = fma(minimumSum, dmin * d_x, mins); the row's product is acc - mins.
     * The vector kernels compute the same integers and floats, 32 rows at a time. Rows as {@link #checkGroups}.
     */
    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / type().blockSize();
        float[] xd = x.scales();
        for (int r = rowFrom; r < rowTo; r++) {
            int i = r % ROWS;
            int lane = pairedLane(i);
            long group = (long) (r / ROWS) * blocks * groupBlockBytes;
            float acc = 0f;
            float mins = 0f;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * groupBlockBytes;
                acc = Math.fma((float) blockSum(w, off, i, lane, x, b), f16(w, off + 2L * i) * xd[b], acc);
                if (dminAt > 0) {
                    mins = Math.fma((float) minimumSum(w, off, i, x, b),
                            f16(w, off + dminAt + 2L * i) * minimumScale(x, b), mins);
                }
            }
            out[r] = dminAt > 0 ? acc - mins : acc;
        }
    }

    /**
     * Value v of the block at {@code off} of row i (byte lane {@code lane}, see {@link #pairedLane}), as the integer
     * the type multiplies with its scales: weight = d * scale * value - dmin * minimum.
     */
    protected abstract int value(MemorySegment w, long off, int i, int lane, int v);

    /** Values per sub-block scale: the whole block for types with a single scale. */
    protected int groupValues() {
        return type().blockSize();
    }

    /** Row i's integer scale of sub-block g; 1 for types with a single scale. */
    protected int scale(MemorySegment w, long off, int i, int g) {
        return 1;
    }

    /** Row i's integer minimum of sub-block g, for types with dmin. */
    protected int minimum(MemorySegment w, long off, int i, int g) {
        throw new UnsupportedOperationException(type() + " has no minimums");
    }

    /** Row i's exact integer sum over block b: per sub-block, its scale times sum(value * x). */
    private int blockSum(MemorySegment w, long off, int i, int lane, Activations x, int b) {
        short[] xs = x.shorts();
        int block = type().blockSize();
        int group = groupValues();
        int sum = 0;
        for (int g = 0; g < block / group; g++) {
            int dot = 0;
            for (int v = group * g; v < group * g + group; v++) {
                dot += value(w, off, i, lane, v) * xs[b * block + v];
            }
            sum += scale(w, off, i, g) * dot;
        }
        return sum;
    }

    /**
     * The activations' factor of block b's minimum term, dmin * this * {@link #minimumSum}: their scale d_x for the
     * K-quants; Q4_1 and Q5_1 take Q8_1's s = d_x * sum(x) instead.
     */
    protected float minimumScale(Activations x, int b) {
        return x.scales()[b];
    }

    /** Row i's exact sum over block b of its sub-block minimums times the activations' sums (Q8_K's per 16). */
    protected int minimumSum(MemorySegment w, long off, int i, Activations x, int b) {
        int[] xsum = x.groupSums();
        int block = type().blockSize();
        int group = groupValues();
        int sum = 0;
        for (int g = 0; g < block / group; g++) {
            int xs = 0;
            for (int k = 0; k < group / 16; k++) {
                xs += xsum[(b * block + group * g) / 16 + k];
            }
            sum += minimum(w, off, i, g) * xs;
        }
        return sum;
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
        int block = type().blockSize();
        int blocks = cols / block;
        int group = groupValues();
        int i = (int) (row % ROWS);
        int lane = pairedLane(i);
        long first = row / ROWS * blocks * groupBlockBytes;
        for (int b = 0; b < blocks; b++) {
            long off = first + (long) b * groupBlockBytes;
            float d = f16(w, off + 2L * i);
            float dmin = dminAt > 0 ? f16(w, off + dminAt + 2L * i) : 0f;
            for (int v = 0; v < block; v++) {
                float weight = d * scale(w, off, i, v / group) * value(w, off, i, lane, v);
                dst[dstOff + b * block + v] = dminAt > 0 ? weight - dmin * minimum(w, off, i, v / group) : weight;
            }
        }
    }

    /** Bytes of one word of a packed-bit layout (Q3_K's): one int16 lane per row. */
    public static final int WORD_BYTES = 2 * ROWS;

    /** Bytes of one column pair of a {@link #placeFiveBitColumns} layout: 32 nibble bytes, then two 32-bit masks. */
    public static final int FIVE_BIT_COLUMN_BYTES = ROWS + 8;

    /**
     * Writes the 32 five-bit values {@code q} (0..31) of row i's block as 16 column pairs j from {@code columnsAt},
     * {@value #FIVE_BIT_COLUMN_BYTES} bytes each: the rows' bytes {@code q_j & 15 | (q_j+16 & 15) << 4} (row i at
     * byte i, as Q4_0's layout), then a little-endian long whose bit i (value j) and 32 + i (value j + 16) is set
     * where that value's fifth bit is 0: a lane mask, so that a vector kernel makes q - 16 from the nibble with one
     * masked subtraction. The same bytes as the stored values: 40 per 64.
     */
    protected static void placeFiveBitColumns(int[] q, int i, byte[] out, int columnsAt) {
        for (int j = 0; j < 16; j++) {
            int at = columnsAt + FIVE_BIT_COLUMN_BYTES * j;
            out[at + i] = (byte) ((q[j] & 15) | (q[j + 16] & 15) << 4);
            setBit(out, at + ROWS, i, q[j] < 16);
            setBit(out, at + ROWS, 32 + i, q[j + 16] < 16);
        }
    }

    /** Sets or clears bit {@code bit} of the little-endian mask at {@code out[at]}. */
    protected static void setBit(byte[] out, int at, int bit, boolean set) {
        int mask = 1 << (bit % 8);
        out[at + bit / 8] = (byte) (set ? out[at + bit / 8] | mask : out[at + bit / 8] & ~mask);
    }

    /** Bit {@code bit} (0 or 1) of the little-endian mask at {@code at}. */
    protected static int bit(MemorySegment w, long at, int bit) {
        return u8(w, at + bit / 8) >>> (bit % 8) & 1;
    }

    /** Value v (0..31) of row i placed by {@link #placeFiveBitColumns} at {@code off + columnsAt}: q, 0..31. */
    protected static int fiveBitColumnValue(MemorySegment w, long off, int i, int v, int columnsAt) {
        long at = off + columnsAt + (long) FIVE_BIT_COLUMN_BYTES * (v % 16);
        int b = u8(w, at + i);
        return (v < 16 ? b & 15 : b >>> 4) | (1 - bit(w, at + ROWS, i + 32 * (v / 16))) << 4;
    }

    /** The 32 five-bit values (0..31) of a stored Q5_0 or Q5_1 block whose qh starts at {@code in[from]}. */
    protected static int[] storedFiveBitValues(byte[] in, int from) {
        int qh = (in[from] & 0xff) | (in[from + 1] & 0xff) << 8 | (in[from + 2] & 0xff) << 16 | in[from + 3] << 24;
        int[] q = new int[32];
        for (int j = 0; j < 16; j++) {
            int b = in[from + 4 + j] & 0xff;
            q[j] = (b & 15) | ((qh >>> j) & 1) << 4;
            q[j + 16] = (b >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
        }
        return q;
    }

    /**
     * Prepares the activations as the stored type does, plus each block's {@code factor} * sum(x) as an int
     * ({@link Activations#groupSums}): the term of an offset the layout takes out of the weights' values.
     */
    protected final void prepareInputWithOffsets(float[] x, int n, Activations out, int factor) {
        stored.prepareInput(x, n, out);
        int blocks = n / Q8BlockKernel.BLOCK;
        short[] q = out.shorts();
        int[] sums = out.groupSums(blocks);
        for (int b = 0; b < blocks; b++) {
            int s = 0;
            for (int j = 0; j < Q8BlockKernel.BLOCK; j++) {
                s += q[b * Q8BlockKernel.BLOCK + j];
            }
            sums[b] = factor * s;
        }
    }

    protected static int u8(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    protected static float f16(MemorySegment w, long at) {
        return Numbers.f16ToFloat(w.get(I16, at));
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
