package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
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
     * {@code xs[x0]}) to the 32 rows' sums; the block's own sums pass through {@code sums[32..64)}, free for a type
     * without minimums.
     */
    private static void addBlock(MemorySegment w, long values, long sc, short[] xs, int x0, int[] sums) {
        VectorIQ4_NLx32Kernel.blockSums(w, values, xs, x0, sums, 32);
        for (int k = 0; k < 32; k += 16) {
            IntVector.fromArray(Wide.I, sums, k).add(IntVector.fromArray(Wide.I, sums, 32 + k)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + k, Wide.LE)
                            .convertShape(VectorOperators.B2I, Wide.I, 0))).intoArray(sums, k);
        }
    }
}
