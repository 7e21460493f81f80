package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q6_Kx32Kernel;

/**
 * The 512-bit kernel of Q6_K with 32 interleaved rows: one int16 lane per row. A unit's three 64-byte words give the
 * 32 rows' 8 values of 8 columns by shifts alone (the layout stores them centred, as 6-bit two's complement in
 * 16-bit lanes: see {@link Q6_Kx32Kernel}); each is multiplied by its broadcast activation and summed in one int16
 * accumulator (8 products of at most 32 x 127 stay below 2^15), which is split into int32 lanes of rows 0-15 and
 * 16-31 ({@link #pairedLane}) and multiplied by the rows' int8 scale of its group of 16. About 48 vector operations
 * per 256 products, where widening bytes and centring them took 76. Same bits as the scalar {@link Q6_Kx32Kernel}.
 */
final class VectorQ6_Kx32Kernel extends Q6_Kx32Kernel {

    /** The scalar Q8_K quantization's bits, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepareK(stored, x, n, out);
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / 256;
        short[] xs = x.shorts();
        float[] xd = x.scales();
        GroupScratch work = GroupScratch.get();
        float[] scales = work.scales;
        int[] sums = work.sums;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * GROUP_BLOCK_BYTES;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * GROUP_BLOCK_BYTES;
                // The scales d first (the layout is in reading order), to an array, as the sums: see unitSums.
                Wide.f16Times(w, off, xd[b], scales, 0);
                java.util.Arrays.fill(sums, 0, ROWS, 0);
                for (int u = 0; u < 32; u += 16) {
                    unitSums(w, off, u, xs, 256 * b, sums);
                }
                acc0 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 0).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 16).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
            }
            acc0.intoArray(out, g * ROWS);
            acc1.intoArray(out, g * ROWS + 16);
        }
    }

    /**
     * Adds units [u0, u0 + 16) (128 columns, 4096 products) of the super-block at {@code off}, times their scales, to
     * the rows' sums ({@code sums[0..32)}); the super-block's activations start at {@code xs[x0]}. A method per 16
     * units, sums handed over in an array: one method for the whole super-block risks being compiled with vector
     * operations left as allocating calls.
     */
    private static void unitSums(MemorySegment w, long off, int u0, short[] xs, int x0, int[] sums) {
        IntVector s0 = IntVector.fromArray(Wide.I, sums, 0);
        IntVector s1 = IntVector.fromArray(Wide.I, sums, 16);
        for (int u = u0; u < u0 + 16; u++) {
            // Part u / 4: two groups' scales, then four units.
            long part = off + PARTS_AT + (long) PART_BYTES * (u >> 2);
            long at = part + 2 * ROWS + (long) UNIT_BYTES * (u & 3);
            int xo = x0 + 8 * u;
            // e0..e5: the three words' upper and middle fields, in a loop (1.04-1.09x written out, see
            // VectorQ5_0x32Kernel); e6, e7 after it.
            ShortVector p = ShortVector.zero(Wide.S);
            for (int k = 0; k < 3; k++) {
                ShortVector word = ShortVector.fromMemorySegment(Wide.S, w, at + (long) WORD_BYTES * k, Wide.LE);
                p = word.lanewise(VectorOperators.ASHR, 10).mul(xs[xo + 2 * k]).add(p);
                p = word.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10).mul(xs[xo + 2 * k + 1])
                        .add(p);
            }
            ShortVector a = ShortVector.fromMemorySegment(Wide.S, w, at, Wide.LE);
            ShortVector bw = ShortVector.fromMemorySegment(Wide.S, w, at + WORD_BYTES, Wide.LE);
            ShortVector c = ShortVector.fromMemorySegment(Wide.S, w, at + 2 * WORD_BYTES, Wide.LE);
            // e6 and e7: the low nibble of A or C beside B's two bits, moved to bits 4-5 and sign-extended.
            p = a.and((short) 15)
                    .or(bw.lanewise(VectorOperators.LSHL, 14).lanewise(VectorOperators.ASHR, 10))
                    .mul(xs[xo + 6]).add(p);
            p = c.and((short) 15)
                    .or(bw.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 10).and((short) ~15))
                    .mul(xs[xo + 7]).add(p);
            IntVector pairs = p.reinterpretAsInts();
            long sc = part + ROWS * ((u >> 1) & 1);
            s0 = pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc, Wide.LE)
                            .convertShape(VectorOperators.B2I, Wide.I, 0)).add(s0);
            s1 = pairs.lanewise(VectorOperators.ASHR, 16)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 16, Wide.LE)
                            .convertShape(VectorOperators.B2I, Wide.I, 0)).add(s1);
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, 16);
    }
}
