package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q5_1x32Kernel;

/**
 * The 512-bit kernel of Q5_1 with 32 interleaved rows: Q5_0's loop ({@link VectorQ5_0x32Kernel}, whose constants it
 * takes) over the same words, each block's sums starting from the activations' 16 * sum(x) (the centring's term),
 * and the rows' minimums m times Q8_1's sums s subtracted on the float side. Same bits as the scalar
 * {@link Q5_1x32Kernel}.
 */
final class VectorQ5_1x32Kernel extends Q5_1x32Kernel {
    private static final ShortVector TIMES_32 = VectorQ5_0x32Kernel.TIMES_32;
    private static final ShortVector TIMES_1024 = VectorQ5_0x32Kernel.TIMES_1024;
    private static final ShortVector BIT_14 = VectorQ5_0x32Kernel.BIT_14;
    private static final ShortVector BIT_13 = VectorQ5_0x32Kernel.BIT_13;
    private static final ShortVector BIT_12 = VectorQ5_0x32Kernel.BIT_12;
    private static final ShortVector BIT_11 = VectorQ5_0x32Kernel.BIT_11;

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / 32;
        short[] xq = x.shorts();
        float[] xd = x.scales();
        float[] xs = x.sums();
        int[] offsets = x.groupSums();
        float[] scales = GroupScratch.get().scales;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * GROUP_BLOCK_BYTES;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            FloatVector min0 = acc0;
            FloatVector min1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * GROUP_BLOCK_BYTES;
                Wide.f16Times(w, off, xd[b], scales, 0);
                Wide.f16Times(w, off + MINIMUMS_AT, xs[b], scales, ROWS);
                IntVector rows0 = IntVector.broadcast(Wide.I, offsets[b]);
                IntVector rows1 = rows0;
                for (int u = 0; u < 2; u++) {
                    long at = off + WORDS_AT + 5L * WORD_BYTES * u;
                    ShortVector w0 = ShortVector.fromMemorySegment(Wide.S, w, at, Wide.LE);
                    ShortVector w1 = ShortVector.fromMemorySegment(Wide.S, w, at + WORD_BYTES, Wide.LE);
                    ShortVector w2 = ShortVector.fromMemorySegment(Wide.S, w, at + 2 * WORD_BYTES, Wide.LE);
                    ShortVector w3 = ShortVector.fromMemorySegment(Wide.S, w, at + 3 * WORD_BYTES, Wide.LE);
                    ShortVector w4 = ShortVector.fromMemorySegment(Wide.S, w, at + 4 * WORD_BYTES, Wide.LE);
                    int xo = 32 * b + 16 * u;
                    ShortVector p = w0.lanewise(VectorOperators.ASHR, 11).mul(xq[xo]);
                    p = w0.mul(TIMES_32).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 1]).add(p);
                    p = w0.mul(TIMES_1024).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 2]).add(p);
                    p = w1.lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 3]).add(p);
                    p = w1.mul(TIMES_32).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 4]).add(p);
                    p = w1.mul(TIMES_1024).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 5]).add(p);
                    p = w2.lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 6]).add(p);
                    p = w2.mul(TIMES_32).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 7]).add(p);
                    p = w2.mul(TIMES_1024).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 8]).add(p);
                    p = w3.lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 9]).add(p);
                    p = w3.mul(TIMES_32).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 10]).add(p);
                    p = w3.mul(TIMES_1024).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 11]).add(p);
                    p = w4.lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 12]).add(p);
                    p = w4.mul(TIMES_32).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 13]).add(p);
                    p = w4.mul(TIMES_1024).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 14]).add(p);
                    // Value 15: word k's lowest bit moved to bit 11 + k (and-or pairs the JIT folds into ternary
                    // logic), then sign-extended from bit 15.
                    ShortVector e15 = w4.lanewise(VectorOperators.LSHL, 15)
                            .or(w3.lanewise(VectorOperators.LSHL, 14).and(BIT_14))
                            .or(w2.lanewise(VectorOperators.LSHL, 13).and(BIT_13))
                            .or(w1.lanewise(VectorOperators.LSHL, 12).and(BIT_12))
                            .or(w0.lanewise(VectorOperators.LSHL, 11).and(BIT_11))
                            .lanewise(VectorOperators.ASHR, 11);
                    p = e15.mul(xq[xo + 15]).add(p);
                    IntVector pairs = p.reinterpretAsInts();
                    rows0 = pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(rows0);
                    rows1 = pairs.lanewise(VectorOperators.ASHR, 16).add(rows1);
                }
                acc0 = ((FloatVector) rows0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) rows1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
                // The minimums' sum is -1 (m * s enters with a minus): fma(-1, m * s, mins), exactly mins - m * s.
                min0 = min0.sub(FloatVector.fromArray(Wide.F, scales, 32));
                min1 = min1.sub(FloatVector.fromArray(Wide.F, scales, 48));
            }
            acc0.sub(min0).intoArray(out, g * ROWS);
            acc1.sub(min1).intoArray(out, g * ROWS + 16);
        }
    }
}
