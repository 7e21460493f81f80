package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q4_Kx32Kernel;
import org.jllm.kernels.quant.Q5_Kx32Kernel;

/**
 * The 512-bit kernel of Q5_K with 32 interleaved rows, {@link VectorQ4_Kx32Kernel}'s with a fifth bit: each value is
 * centred (q - 16, at most 16 in magnitude, so 16 products of at most 16 x 127 still fit an int16 accumulator) and
 * 16 * (the activations' sub-block sum) is added back in int32. Same bits as the scalar {@link Q5_Kx32Kernel}.
 * Small methods exchange arrays ({@link GroupScratch}), never vectors.
 */
final class VectorQ5_Kx32Kernel extends Q5_Kx32Kernel {
    private static final int DMIN_AT = Q4_Kx32Kernel.DMIN_AT;
    private static final int MINS_AT = Q4_Kx32Kernel.MINS_AT;
    private static final int SCALES_AT = Q4_Kx32Kernel.SCALES_AT;

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 256, GROUP_BLOCK_BYTES, DMIN_AT, SUMS);
    }

    private static final RowGroups.BlockSums SUMS = (w, off, x, b, work) -> {
        VectorQ4_Kx32Kernel.minimumSums(w, off + MINS_AT, x.groupSums(), b * 16, work.sums);
        superBlockSums(w, off, x.shorts(), b * 256, x.groupSums(), b * 16, work);
    };

    /** sum_s scale_s * dot_s of the super-block at {@code off} for the group's 32 rows, into {@code sums[0..32)}. */
    private static void superBlockSums(MemorySegment w, long off, short[] xs, int xo, int[] xsum, int g,
                                       GroupScratch work) {
        java.util.Arrays.fill(work.sums, 0, ROWS, 0);
        for (int j = 0; j < 4; j++) {
            // Chunk 0's columns alternate with the fifth bits (stride 2 x 32 bytes), the others are 32 bytes apart.
            chunk(w, off + valuesAt(j, 0), j == 0 ? 2 * ROWS : ROWS, off + highBitsAt(0), 2 * j, xs, xo + 64 * j,
                    work.partial);
            int low = 16 * (xsum[g + 4 * j] + xsum[g + 4 * j + 1]);
            int high = 16 * (xsum[g + 4 * j + 2] + xsum[g + 4 * j + 3]);
            VectorQ4_Kx32Kernel.addScaled(w, off + SCALES_AT + 64L * j, work.partial, low, high, work.sums);
        }
    }

    /**
     * The int16 sums over the 32 bytes l of a chunk at {@code values} ({@code stride} bytes apart) of the centred values
     * q - 16: low nibbles with bit {@code bit} of fifth-bit byte l (at {@code highBits} + 64l) times {@code xs[x0 + l]}
     * into {@code partial[0..32)}
     * (l < 16) and {@code [32..64)} (l >= 16), high nibbles with bit {@code bit + 1} times {@code xs[x0 + 32 + l]} into
     * {@code [64..96)} and {@code [96..128)}.
     */
    private static void chunk(MemorySegment w, long values, int stride, long highBits, int bit, short[] xs, int x0,
                              short[] partial) {
        for (int half = 0; half < 2; half++) {
            ShortVector lo = ShortVector.zero(Wide.S);
            ShortVector hi = lo;
            for (int l = 16 * half; l < 16 * half + 16; l++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + (long) stride * l,
                        Wide.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
                ShortVector h = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, highBits + 64L * l, Wide.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
                ShortVector q0 = v.and((short) 15).or(h.lanewise(VectorOperators.LSHR, bit).and((short) 1)
                        .lanewise(VectorOperators.LSHL, 4)).sub((short) 16);
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, bit + 1)
                        .and((short) 1).lanewise(VectorOperators.LSHL, 4)).sub((short) 16);
                lo = q0.mul(xs[x0 + l]).add(lo);
                hi = q1.mul(xs[x0 + 32 + l]).add(hi);
            }
            lo.intoArray(partial, 32 * half);
            hi.intoArray(partial, 64 + 32 * half);
        }
    }

}
