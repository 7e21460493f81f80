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
 * fifth bit took about 150. Same bits as the scalar {@link Q5_0x32Kernel}.
 *
 * <p>One method holds the loop, and a unit's five words are a loop of their own: with the unit's 90 operations
 * written out the JIT in some runs left vector operations as allocating calls (DecodeAllocationTest), and the cuts
 * that avoided it (a method per unit, sums through an array) ran at 0.7-0.8x. The loop also measured faster than the
 * written-out unit (1.1-1.4x). Q5_1 shares it ({@code minimums}).
 */
final class VectorQ5_0x32Kernel extends Q5_0x32Kernel {

    /** The scalar quantization's bits, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepare(x, n, out, 0);
    }
    // Constants as vectors: in a large method and(short) left the broadcast a call (3x slower in cache). Values
    // 3k + 1 and 3k + 2 are moved up by a multiply, not a shift: the shifts' port is the busiest (1.15x).
    private static final ShortVector TIMES_32 = ShortVector.broadcast(Wide.S, (short) 32);
    private static final ShortVector TIMES_1024 = ShortVector.broadcast(Wide.S, (short) 1024);
    private static final ShortVector BIT_11 = ShortVector.broadcast(Wide.S, (short) 0x0800);

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        matVec(w, cols, x, out, rowFrom, rowTo, GROUP_BLOCK_BYTES, WORDS_AT, false);
    }

    /**
     * Q5_0's and Q5_1's products ({@code minimums}: the rows' F16 minimums follow their scales, each block's sums
     * start from the activations' 16 * sum(x), the centring's term, and the minimums times Q8_1's sums s are
     * subtracted on the float side): blocks of {@code groupBlockBytes}, words at {@code wordsAt}.
     */
    static void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo,
                       int groupBlockBytes, int wordsAt, boolean minimums) {
        int blocks = cols / 32;
        short[] xq = x.shorts();
        float[] xd = x.scales();
        float[] xs = x.sums();
        int[] offsets = x.groupSums();
        float[] scales = GroupScratch.get().scales;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * groupBlockBytes;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            FloatVector min0 = acc0;
            FloatVector min1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * groupBlockBytes;
                Wide.f16Times(w, off, xd[b], scales, 0);
                if (minimums) {
                    Wide.f16Times(w, off + 2 * ROWS, xs[b], scales, ROWS);
                }
                IntVector rows0 = minimums ? IntVector.broadcast(Wide.I, offsets[b]) : IntVector.zero(Wide.I);
                IntVector rows1 = rows0;
                for (int u = 0; u < 2; u++) {
                    long at = off + wordsAt + 5L * WORD_BYTES * u;
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
                if (minimums) {
                    // The minimums' sum is -1 (m * s enters with a minus): fma(-1, m * s, mins), exactly
                    // mins - m * s.
                    min0 = min0.sub(FloatVector.fromArray(Wide.F, scales, 32));
                    min1 = min1.sub(FloatVector.fromArray(Wide.F, scales, 48));
                }
            }
            (minimums ? acc0.sub(min0) : acc0).intoArray(out, g * ROWS);
            (minimums ? acc1.sub(min1) : acc1).intoArray(out, g * ROWS + 16);
        }
    }
}
