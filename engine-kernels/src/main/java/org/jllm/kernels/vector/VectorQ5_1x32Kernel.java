package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q5_1x32Kernel;

/**
 * The 512-bit kernel of Q5_1 with 32 interleaved rows: Q5_0's loop ({@link VectorQ5_0x32Kernel}) over the same
 * columns, each block's sums starting from the activations' 16 * sum(x) (the centring's term), and the rows' minimums
 * m times Q8_1's sums s subtracted on the float side. Same bits as the scalar {@link Q5_1x32Kernel}.
 */
final class VectorQ5_1x32Kernel extends Q5_1x32Kernel {

    /** The scalar quantization's bits with the offsets' group sums, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepare(x, n, out, 16);
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        VectorQ5_0x32Kernel.matVec(w, cols, x, out, rowFrom, rowTo, GROUP_BLOCK_BYTES, COLUMNS_AT, true);
    }
}
