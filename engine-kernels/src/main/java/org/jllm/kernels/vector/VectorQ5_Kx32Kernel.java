package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q4_Kx32Kernel;
import org.jllm.kernels.quant.Q5_Kx32Kernel;

/**
 * The 512-bit kernel of Q5_K with 32 interleaved rows, {@link VectorQ4_Kx32Kernel}'s with a fifth bit: each value is
 * centred (q - 16, at most 16 in magnitude, so 16 products of at most 16 x 127 still fit an int16 accumulator) and
 * 16 * (the activations' sub-block sum) is added back in int32. The centred value is the nibble less 16 in the lanes
 * the layout's mask names (a masked subtraction; 1.3x the chunks per second of spreading the fifth bits to lanes by
 * shifts and masks, in cache). Same bits as the scalar {@link Q5_Kx32Kernel}. One method holds the loop, as in
 * {@link VectorQ4_Kx32Kernel}.
 */
final class VectorQ5_Kx32Kernel extends Q5_Kx32Kernel {

    /** The scalar Q8_K quantization's bits, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepareK(stored, x, n, out);
    }
    private static final int SCALES_AT = Q4_Kx32Kernel.SCALES_AT;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Wide.LE);

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        VectorQ4_Kx32Kernel.superBlocks(w, cols, x, out, rowFrom, rowTo, GROUP_BLOCK_BYTES, true);
    }

    /**
     * The rows' sums of the super-block at {@code off} into {@code sums[0..32)}, as {@link VectorQ4_Kx32Kernel}'s: for
     * each chunk j its two sub-blocks (2j: low nibbles, 2j + 1: high) times their scales; the activations from
     * {@code xs[xb]}, their sums per 16 from {@code xsum[g0]}.
     */
    static void chunkSums(MemorySegment w, long off, short[] xs, int xb, int[] xsum, int g0, int[] sums) {
        IntVector s0 = IntVector.zero(Wide.I);
        IntVector s1 = s0;
        for (int j = 0; j < 4; j++) {
            int x0 = xb + 64 * j;
            int g = g0 + 4 * j;
            // Column l's masks of sub-blocks 2j and 2j + 1, one long: bit k set where lane k's fifth bit is 0.
            long masks = off + highBitsAt(0) + 8L * j;
            // Chunk 0's columns alternate with the fifth bits (stride 2 x 32 bytes), the others are 32 apart.
            long values = off + valuesAt(j, 0);
            long stride = j == 0 ? 2 * ROWS : ROWS;
            ShortVector lo0 = ShortVector.zero(Wide.S);
            ShortVector hi0 = lo0;
            ShortVector lo1 = lo0;
            ShortVector hi1 = lo0;
            // 16 products per int16 accumulator: columns 0-15, then 16-31.
            for (int l = 0; l < 32; l++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + stride * l,
                        Wide.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
                long bits = w.get(I64, masks + 2L * ROWS * l);
                ShortVector q0 = v.and((short) 15)
                        .lanewise(VectorOperators.SUB, (short) 16, VectorMask.fromLong(Wide.S, bits));
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 4)
                        .lanewise(VectorOperators.SUB, (short) 16, VectorMask.fromLong(Wide.S, bits >>> 32));
                lo0 = q0.mul(xs[x0 + l]).add(lo0);
                hi0 = q1.mul(xs[x0 + 32 + l]).add(hi0);
                if (l == 15) {
                    lo1 = lo0;
                    hi1 = hi0;
                    lo0 = ShortVector.zero(Wide.S);
                    hi0 = lo0;
                }
            }
            // Sub-block 2j (low nibbles) and 2j + 1 (high): int16 halves to int32 rows plus the centring
            // term, times their scales.
            int low = 16 * (xsum[g] + xsum[g + 1]);
            int high = 16 * (xsum[g + 2] + xsum[g + 3]);
            long sc = off + SCALES_AT + 64L * j;
            IntVector p = lo0.reinterpretAsInts();
            IntVector q = lo1.reinterpretAsInts();
            s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(low)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).add(s0);
            s1 = p.lanewise(VectorOperators.ASHR, 16).add(q.lanewise(VectorOperators.ASHR, 16)).add(low)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 16, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).add(s1);
            p = hi0.reinterpretAsInts();
            q = hi1.reinterpretAsInts();
            s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(high)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 32, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).add(s0);
            s1 = p.lanewise(VectorOperators.ASHR, 16).add(q.lanewise(VectorOperators.ASHR, 16)).add(high)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 48, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).add(s1);
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, 16);
    }
}
