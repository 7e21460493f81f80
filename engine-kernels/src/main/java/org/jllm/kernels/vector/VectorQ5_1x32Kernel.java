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
                    int xo = 32 * b + 16 * u;
                    // Word k: values 3k, 3k + 1, 3k + 2 by shifts, its low bit (bit k of value 15) gathered at
                    // bit 11 + k; a loop, so the JIT parses one word's operations, not the unit's 90.
                    ShortVector p = ShortVector.zero(Wide.S);
                    ShortVector e15 = p;
                    for (int k = 0; k < 5; k++) {
                        ShortVector wk = ShortVector.fromMemorySegment(Wide.S, w, at + (long) WORD_BYTES * k,
                                Wide.LE);
                        p = wk.lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 3 * k]).add(p);
                        p = wk.mul(TIMES_32).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 3 * k + 1]).add(p);
                        p = wk.mul(TIMES_1024).lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 3 * k + 2]).add(p);
                        e15 = e15.or(wk.lanewise(VectorOperators.LSHL, 11 + k)
                                .and(BIT_11.lanewise(VectorOperators.LSHL, k)));
                    }
                    p = e15.lanewise(VectorOperators.ASHR, 11).mul(xq[xo + 15]).add(p);
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
