package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q5_1x32Kernel;

/**
 * The 512-bit kernel of Q5_1 with 32 interleaved rows: Q5_0's integer sums ({@link VectorQ5_0x32Kernel#blockSums})
 * with the values uncentred (8 products of at most 31 x 127 per int16 accumulator), the minimums' term on the float
 * side ({@link RowGroups}, scaled by Q8_1's sums). Same bits as the scalar {@link Q5_1x32Kernel}.
 */
final class VectorQ5_1x32Kernel extends Q5_1x32Kernel {
    private static final RowGroups.BlockSums SUMS = (w, off, x, b, work) -> {
        VectorQ5_0x32Kernel.blockSums(w, off + HIGH_BITS_AT, off + VALUES_AT, (short) 0, x.shorts(), b * 32,
                work.partial, work.sums);
        java.util.Arrays.fill(work.sums, 32, 64, -1);
    };

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 32, GROUP_BLOCK_BYTES, MINIMUMS_AT, x.sums(), SUMS);
    }
}
