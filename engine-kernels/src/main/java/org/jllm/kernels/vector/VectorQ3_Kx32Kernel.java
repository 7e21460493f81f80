package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q3_Kx32Kernel;

/**
 * The 512-bit kernel of Q3_K with 32 interleaved rows: one int16 lane per row. A column's three 32-byte loads (hmask
 * byte l, 2-bit bytes l and 32 + l of 32 rows) give the rows' eight values l + 32k of the super-block; each (-4..3)
 * times its broadcast activation is summed in one of eight int16 accumulators over 16 columns (at most 16 x 4 x 127),
 * then split into int32 lanes of rows 0-15 and 16-31 ({@link #pairedLane}) and multiplied by the rows' signed scale
 * of its group of 16. Same bits as the scalar {@link Q3_Kx32Kernel}. Small methods exchange arrays
 * ({@link GroupScratch}), never vectors.
 */
final class VectorQ3_Kx32Kernel extends Q3_Kx32Kernel {

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 256, GROUP_BLOCK_BYTES, 0, SUMS);
    }

    private static final RowGroups.BlockSums SUMS = VectorQ3_Kx32Kernel::superBlockSums;

    /** The exact integer sums of the super-block at {@code off} for the group's 32 rows, into {@code sums[0..32)}. */
    private static void superBlockSums(MemorySegment w, long off, Activations x, int b, GroupScratch work) {
        short[] xs = x.shorts();
        java.util.Arrays.fill(work.sums, 0, ROWS, 0);
        for (int half = 0; half < 2; half++) {
            long columns = off + COLUMNS_AT + 16L * COLUMN_BYTES * half;
            sixteenColumns(w, columns, 0, xs, b * 256 + 16 * half, work.partial);
            sixteenColumns(w, columns, 1, xs, b * 256 + 16 * half, work.partial);
            addScaled(w, off + SCALES_AT + 32L * half, work.partial, work.sums);
        }
    }

    /**
     * The int16 sums over 16 columns (from {@code columns}) of value l + 32k times {@code xs[x0 + 32k + l]}, for
     * k = 4n + j (j the 2-bit field), into {@code partial[32k..+32)}: the four fields of half {@code n} of the
     * super-block. A method per half: one for all eight fields was too long for the JIT's inlining budget.
     */
    private static void sixteenColumns(MemorySegment w, long columns, int n, short[] xs, int x0, short[] partial) {
        ShortVector a0 = ShortVector.zero(Wide.S);
        ShortVector a1 = a0;
        ShortVector a2 = a0;
        ShortVector a3 = a0;
        int x = x0 + 128 * n;
        for (int l = 0; l < 16; l++) {
            long column = columns + (long) COLUMN_BYTES * l;
            ShortVector h = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, column, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, column + ROWS * (1 + n), Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            // The hmask bit of field (n, j) is bit 4n + j; moved to bit 2 it adds 4, and 4 is subtracted.
            ShortVector h4 = h.lanewise(VectorOperators.LSHR, 4 * n).lanewise(VectorOperators.LSHL, 2);
            a0 = q.and((short) 3).or(h4.and((short) 4)).sub((short) 4).mul(xs[x + l]).add(a0);
            a1 = q.lanewise(VectorOperators.LSHR, 2).and((short) 3).or(h4.lanewise(VectorOperators.LSHR, 1)
                    .and((short) 4)).sub((short) 4).mul(xs[x + 32 + l]).add(a1);
            a2 = q.lanewise(VectorOperators.LSHR, 4).and((short) 3).or(h4.lanewise(VectorOperators.LSHR, 2)
                    .and((short) 4)).sub((short) 4).mul(xs[x + 64 + l]).add(a2);
            a3 = q.lanewise(VectorOperators.LSHR, 6).or(h4.lanewise(VectorOperators.LSHR, 3)
                    .and((short) 4)).sub((short) 4).mul(xs[x + 96 + l]).add(a3);
        }
        a0.intoArray(partial, 128 * n);
        a1.intoArray(partial, 128 * n + 32);
        a2.intoArray(partial, 128 * n + 64);
        a3.intoArray(partial, 128 * n + 96);
    }

    /**
     * Adds the eight accumulators (rows 0-15 in the even int16 lanes, 16-31 in the odd ones) times the rows' signed
     * scales: accumulator k holds group 2k + half, whose scale bytes are at {@code sc} (scale of group {@code half})
     * + 64k.
     */
    private static void addScaled(MemorySegment w, long sc, short[] partial, int[] sums) {
        IntVector a0 = IntVector.fromArray(Wide.I, sums, 0);
        IntVector a1 = IntVector.fromArray(Wide.I, sums, 16);
        for (int k = 0; k < 8; k++) {
            IntVector p = ShortVector.fromArray(Wide.S, partial, 32 * k).reinterpretAsInts();
            a0 = a0.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 64L * k, Wide.LE)
                            .convertShape(VectorOperators.B2I, Wide.I, 0)));
            a1 = a1.add(p.lanewise(VectorOperators.ASHR, 16)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 64L * k + 16, Wide.LE)
                            .convertShape(VectorOperators.B2I, Wide.I, 0)));
        }
        a0.intoArray(sums, 0);
        a1.intoArray(sums, 16);
    }
}
