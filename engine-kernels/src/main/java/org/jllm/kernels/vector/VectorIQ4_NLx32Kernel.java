package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.IQ4_NLx32Kernel;

/**
 * The 512-bit kernel of IQ4_NL with 32 interleaved rows: as {@link VectorIQ4_XSx32Kernel}'s blocks, without their
 * scales. For each byte j, the rows' nibbles are looked up in the 16 levels, multiplied with the broadcast activations
 * of values j and j + 16, summed in int16 (two products of at most 127 x 127), then split into int32 lanes of rows
 * 0-15 and 16-31 ({@link #pairedLane}). Same bits as the scalar {@link IQ4_NLx32Kernel}.
 */
final class VectorIQ4_NLx32Kernel extends IQ4_NLx32Kernel {
    private static final RowGroups.BlockSums SUMS =
            (w, off, x, b, work) -> blockSums(w, off + VALUES_AT, x.shorts(), b * 32, work.sums, 0);

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 32, GROUP_BLOCK_BYTES, 0, SUMS);
    }

    /**
     * The 32 rows' exact block sums sum_j level_j * x_j (bytes from {@code values}) into {@code sums[at..at+32)}; IQ4_XS
     * takes its 32-value blocks the same way.
     */
    static void blockSums(MemorySegment w, long values, short[] xq, int x0, int[] sums, int at) {
        IntVector rows0 = IntVector.zero(Wide.I);
        IntVector rows1 = rows0;
        for (int j = 0; j < 16; j++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * j, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            ShortVector lo = v.and((short) 15).selectFrom(Wide.LEVELS);
            ShortVector hi = v.lanewise(VectorOperators.LSHR, 4).selectFrom(Wide.LEVELS);
            IntVector p = lo.mul(xq[x0 + j]).add(hi.mul(xq[x0 + 16 + j])).reinterpretAsInts();
            rows0 = rows0.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            rows1 = rows1.add(p.lanewise(VectorOperators.ASHR, 16));
        }
        rows0.intoArray(sums, at);
        rows1.intoArray(sums, at + 16);
    }
}
