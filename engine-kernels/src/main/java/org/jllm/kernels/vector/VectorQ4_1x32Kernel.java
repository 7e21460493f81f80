package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q4_1x32Kernel;

/**
 * The 512-bit kernel of Q4_1 with 32 interleaved rows: one int16 lane per row. For each byte j, one 32-byte load
 * gives the 32 rows' packed byte; its low nibble times the broadcast activation j and its high nibble times
 * activation j + 16 are summed in two int16 accumulators over the block (16 products of at most 15 x 127 each), then
 * split into int32 lanes of rows 0-15 and 16-31 ({@link #pairedLane}). The minimums' term is the float side's
 * ({@link RowGroups}, scaled by Q8_1's sums). Same bits as the scalar {@link Q4_1x32Kernel}.
 */
final class VectorQ4_1x32Kernel extends Q4_1x32Kernel {
    private static final RowGroups.BlockSums SUMS = (w, off, x, b, work) -> blockSums(w, off + VALUES_AT, x.shorts(),
            b * 32, work.sums);

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 32, GROUP_BLOCK_BYTES, MINIMUMS_AT, x.sums(), SUMS);
    }

    /** The 32 rows' exact block sums sum_j q_j * x_j into {@code sums[0..32)}, their minimums (-1) into [32..64). */
    private static void blockSums(MemorySegment w, long values, short[] xq, int x0, int[] sums) {
        ShortVector lo = ShortVector.zero(Wide.S);
        ShortVector hi = lo;
        for (int j = 0; j < 16; j++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * j, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            lo = v.and((short) 15).mul(xq[x0 + j]).add(lo);
            hi = v.lanewise(VectorOperators.LSHR, 4).mul(xq[x0 + 16 + j]).add(hi);
        }
        IntVector p = lo.reinterpretAsInts();
        IntVector q = hi.reinterpretAsInts();
        p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).intoArray(sums, 0);
        p.lanewise(VectorOperators.ASHR, 16).add(q.lanewise(VectorOperators.ASHR, 16)).intoArray(sums, 16);
        java.util.Arrays.fill(sums, 32, 64, -1);
    }
}
