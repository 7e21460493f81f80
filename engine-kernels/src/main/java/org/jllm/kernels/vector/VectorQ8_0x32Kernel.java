package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q8_0x32Kernel;

/**
 * The 512-bit kernel of Q8_0 with 32 interleaved rows: one int16 lane per row. Two columns at a time: their 32-byte
 * loads, sign-extended, times the broadcast activations, summed in int16 (two products of at most 128 x 127 stay
 * below 2^15), then split into int32 lanes of rows 0-15 and 16-31 ({@link #pairedLane}) and summed over the block.
 * Same bits as the scalar {@link Q8_0x32Kernel}. Small methods exchange arrays ({@link GroupScratch}), never vectors.
 */
final class VectorQ8_0x32Kernel extends Q8_0x32Kernel {

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 32, GROUP_BLOCK_BYTES, 0, SUMS);
    }

    private static final RowGroups.BlockSums SUMS = (w, off, x, b, work) -> blockSums(w, off + VALUES_AT, x.shorts(), b * 32, work.sums);

    /** The 32 rows' exact block sums sum_j q_j * x_j (values from {@code values}) into {@code sums[0..32)}. */
    private static void blockSums(MemorySegment w, long values, short[] xq, int xb, int[] sums) {
        IntVector rows0 = IntVector.zero(Wide.I);
        IntVector rows1 = rows0;
        for (int j = 0; j < 32; j += 2) {
            ShortVector a = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * j, Wide.LE)
                    .convertShape(VectorOperators.B2S, Wide.S, 0);
            ShortVector c = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * j + 32, Wide.LE)
                    .convertShape(VectorOperators.B2S, Wide.S, 0);
            IntVector p = a.mul(xq[xb + j]).add(c.mul(xq[xb + j + 1])).reinterpretAsInts();
            rows0 = rows0.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            rows1 = rows1.add(p.lanewise(VectorOperators.ASHR, 16));
        }
        rows0.intoArray(sums, 0);
        rows1.intoArray(sums, 16);
    }
}
