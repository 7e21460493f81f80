package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.IQ4_XSx32Kernel;

/**
 * The 512-bit kernel of IQ4_XS with 32 interleaved rows: one int16 lane per row. For each byte j of a block of 32,
 * one 32-byte load gives the 32 rows' packed byte; its nibbles are looked up in the 16 levels, multiplied with the
 * broadcast activations of values j and j + 16 and summed in int16 (two products of at most 127 x 127), then split
 * into int32 lanes of rows 0-15 and 16-31 ({@link #pairedLane}); per block, times the rows' signed scale bytes. Same
 * bits as the scalar {@link IQ4_XSx32Kernel}. Small methods exchange arrays ({@link GroupScratch}), never vectors.
 */
final class VectorIQ4_XSx32Kernel extends IQ4_XSx32Kernel {

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 256, GROUP_BLOCK_BYTES, 0, SUMS);
    }

    private static final RowGroups.BlockSums SUMS = VectorIQ4_XSx32Kernel::superBlockSums;

    /** The exact integer sums of the super-block at {@code off} for the group's 32 rows, into {@code sums[0..32)}. */
    private static void superBlockSums(MemorySegment w, long off, Activations x, int b, GroupScratch work) {
        java.util.Arrays.fill(work.sums, 0, ROWS, 0);
        for (int ib = 0; ib < 8; ib++) {
            addBlock(w, off + VALUES_AT + 512L * ib, off + SCALES_AT + 32L * ib, x.shorts(), b * 256 + 32 * ib,
                    work.sums);
        }
    }

    /**
     * Adds one block of 32 values (packed bytes at {@code values}, scale bytes at {@code sc}, activations from
     * {@code xs[x0]}) to the 32 rows' sums.
     */
    private static void addBlock(MemorySegment w, long values, long sc, short[] xs, int x0, int[] sums) {
        IntVector rows0 = IntVector.zero(Wide.I);
        IntVector rows1 = rows0;
        for (int j = 0; j < 16; j++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * j, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            ShortVector lo = v.and((short) 15).selectFrom(Wide.LEVELS);
            ShortVector hi = v.lanewise(VectorOperators.LSHR, 4).selectFrom(Wide.LEVELS);
            IntVector p = lo.mul(xs[x0 + j]).add(hi.mul(xs[x0 + 16 + j])).reinterpretAsInts();
            rows0 = rows0.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            rows1 = rows1.add(p.lanewise(VectorOperators.ASHR, 16));
        }
        IntVector.fromArray(Wide.I, sums, 0).add(rows0.mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc,
                Wide.LE).convertShape(VectorOperators.B2I, Wide.I, 0))).intoArray(sums, 0);
        IntVector.fromArray(Wide.I, sums, 16).add(rows1.mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w,
                sc + 16, Wide.LE).convertShape(VectorOperators.B2I, Wide.I, 0))).intoArray(sums, 16);
    }
}
