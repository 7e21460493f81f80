package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q5_0x32Kernel;

/**
 * The 512-bit kernel of Q5_0 with 32 interleaved rows: one int16 lane per row. A unit of 16 columns is five
 * 64-byte words holding the 32 rows' values centred as 5-bit two's complement (see
 * {@link org.jllm.kernels.quant.RowGroupKernel#placeFiveBitWords}): values 3k are one arithmetic shift of word k,
 * values 3k + 1 and 3k + 2 two, value 15 the words' low bits gathered; each times its broadcast activation is summed
 * in one int16 accumulator (16 products of at most 16 x 127 stay below 2^15), split into int32 lanes of rows 0-15 and
 * 16-31 ({@link #pairedLane}). About 88 vector operations per 512 products, where widening bytes and inserting each
 * fifth bit took about 150. Same bits as the scalar {@link Q5_0x32Kernel}. One method holds the loop (see
 * {@link VectorQ4_Kx32Kernel}); Q5_1's kernel repeats it with its minimums, a loop shared through a flag measured
 * 0.8x for Q5_1 and 0.92x for Q5_0 when both ran in one JVM.
 */
final class VectorQ5_0x32Kernel extends Q5_0x32Kernel {
    // Constants as vectors: in a method this large, and(short) left the broadcast a call (3x slower in cache).
    // Values 3k + 1 and 3k + 2 are moved up by a multiply, not a shift: the shifts' port is the busiest (1.15x).
    static final ShortVector TIMES_32 = ShortVector.broadcast(Wide.S, (short) 32);
    static final ShortVector TIMES_1024 = ShortVector.broadcast(Wide.S, (short) 1024);
    static final ShortVector BIT_14 = ShortVector.broadcast(Wide.S, (short) 0x4000);
    static final ShortVector BIT_13 = ShortVector.broadcast(Wide.S, (short) 0x2000);
    static final ShortVector BIT_12 = ShortVector.broadcast(Wide.S, (short) 0x1000);
    static final ShortVector BIT_11 = ShortVector.broadcast(Wide.S, (short) 0x0800);

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / 32;
        short[] xq = x.shorts();
        float[] xd = x.scales();
        float[] scales = GroupScratch.get().scales;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * GROUP_BLOCK_BYTES;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * GROUP_BLOCK_BYTES;
                Wide.f16Times(w, off, xd[b], scales, 0);
                IntVector rows0 = IntVector.zero(Wide.I);
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
            }
            acc0.intoArray(out, g * ROWS);
            acc1.intoArray(out, g * ROWS + 16);
        }
    }
}
