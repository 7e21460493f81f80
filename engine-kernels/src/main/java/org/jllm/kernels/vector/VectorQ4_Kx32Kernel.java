package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q4_Kx32Kernel;

/**
 * The 512-bit kernel of Q4_K with 32 interleaved rows: one int16 lane per row. For each byte l of a 32-byte chunk j,
 * one 32-byte load gives the 32 rows' packed byte; its low nibble is multiplied by the broadcast activation of
 * sub-block 2j, its high nibble by that of sub-block 2j + 1, each summed in int16 accumulators over 16 values (16
 * products of at most 15 x 127 stay below 2^15). Per sub-block the two halves are split into int32 lanes of rows 0-15
 * and 16-31 (see {@link #pairedLane}), times the rows' scale bytes; the minimums' sums are int32 too. Same bits as the
 * scalar {@link Q4_Kx32Kernel}.
 *
 * <p>How the work is cut into methods matters to the JIT: a method per 2048 products ({@link #chunkSums}: a whole
 * chunk's loops, sums in and out through an array) plus one per super-block for its scales and minimum sums
 * ({@link #superBlockFactors}). Methods must not pass vectors to each other (a call that is not inlined boxes them);
 * a method for the whole super-block was sometimes compiled with vector operations left as allocating calls
 * (DecodeAllocationTest), and small methods exchanging partial sums for every 1024 products through arrays, with a
 * call per block from a shared loop, ran at less than half this speed.
 */
final class VectorQ4_Kx32Kernel extends Q4_Kx32Kernel {

    /** The scalar Q8_K quantization's bits, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepareK(stored, x, n, out);
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        superBlocks(w, cols, x, out, rowFrom, rowTo, GROUP_BLOCK_BYTES, false);
    }

    /**
     * Q4_K's and Q5_K's products ({@code fifthBits}: Q5_K's chunks, {@link VectorQ5_Kx32Kernel#chunkSums}): per
     * super-block of {@code groupBlockBytes}, its factors, its four chunks' sums, then the float steps.
     */
    static void superBlocks(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo,
                            int groupBlockBytes, boolean fifthBits) {
        int blocks = cols / 256;
        short[] xs = x.shorts();
        float[] xd = x.scales();
        int[] xsum = x.groupSums();
        GroupScratch work = GroupScratch.get();
        float[] scales = work.scales;
        int[] sums = work.sums;
        int[] minimums = work.minimums;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * groupBlockBytes;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            FloatVector min0 = acc0;
            FloatVector min1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * groupBlockBytes;
                superBlockFactors(w, off, xd[b], xsum, 16 * b, scales, minimums);
                java.util.Arrays.fill(sums, 0, ROWS, 0);
                for (int j = 0; j < 4; j++) {
                    if (fifthBits) {
                        VectorQ5_Kx32Kernel.chunkSums(w, off, j, xs, 256 * b + 64 * j, xsum, 16 * b + 4 * j, sums);
                    } else {
                        chunkSums(w, off + VALUES_AT + 1024L * j, off + SCALES_AT + 64L * j, xs, 256 * b + 64 * j,
                                sums);
                    }
                }
                acc0 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 0).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 16).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
                min0 = ((FloatVector) IntVector.fromArray(Wide.I, minimums, 0).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 32), min0);
                min1 = ((FloatVector) IntVector.fromArray(Wide.I, minimums, 16).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 48), min1);
            }
            acc0.sub(min0).intoArray(out, g * ROWS);
            acc1.sub(min1).intoArray(out, g * ROWS + 16);
        }
    }

    /**
     * A super-block's factors, shared with Q5_K and handed over in arrays (one call per super-block): the rows' d and
     * dmin times the activations' scale {@code dx} into {@code scales[0..32)} and {@code [32..64)}, and their exact
     * minimum sums sum_s min_s * xsum_s (minimum bytes at {@code off + MINS_AT}, activation sums from
     * {@code xsum[g]}) into {@code minimums[0..32)}.
     */
    static void superBlockFactors(MemorySegment w, long off, float dx, int[] xsum, int g, float[] scales,
                                  int[] minimums) {
        Wide.f16Times(w, off, dx, scales, 0);
        Wide.f16Times(w, off + DMIN_AT, dx, scales, ROWS);
        IntVector m0 = IntVector.zero(Wide.I);
        IntVector m1 = m0;
        for (int s = 0; s < 8; s++) {
            int xm = xsum[g + 2 * s] + xsum[g + 2 * s + 1];
            long mins = off + MINS_AT + 32L * s;
            m0 = ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, mins, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).mul(xm).add(m0);
            m1 = ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, mins + 16, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).mul(xm).add(m1);
        }
        m0.intoArray(minimums, 0);
        m1.intoArray(minimums, 16);
    }

    /**
     * Adds a chunk's two sub-blocks (values at {@code values}: low nibbles one sub-block, high nibbles the next; their
     * scale bytes at {@code sc} and {@code sc + 32}) to the rows' sums ({@code sums[0..32)}); the chunk's activations
     * start at {@code xs[x0]}. A method per chunk (2048 products), sums handed over in an array: one method for the
     * whole super-block was sometimes compiled with vector operations left as allocating calls.
     */
    private static void chunkSums(MemorySegment w, long values, long sc, short[] xs, int x0, int[] sums) {
        IntVector s0 = IntVector.fromArray(Wide.I, sums, 0);
        IntVector s1 = IntVector.fromArray(Wide.I, sums, 16);
        ShortVector lo0 = ShortVector.zero(Wide.S);
        ShortVector hi0 = lo0;
        for (int l = 0; l < 16; l++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * l, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            lo0 = v.and((short) 15).mul(xs[x0 + l]).add(lo0);
            hi0 = v.lanewise(VectorOperators.LSHR, 4).mul(xs[x0 + 32 + l]).add(hi0);
        }
        ShortVector lo1 = ShortVector.zero(Wide.S);
        ShortVector hi1 = lo1;
        for (int l = 16; l < 32; l++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * l, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            lo1 = v.and((short) 15).mul(xs[x0 + l]).add(lo1);
            hi1 = v.lanewise(VectorOperators.LSHR, 4).mul(xs[x0 + 32 + l]).add(hi1);
        }
        // Sub-block 2j (low nibbles) and 2j + 1 (high): int16 halves to int32 rows, times their scales.
        IntVector p = lo0.reinterpretAsInts();
        IntVector q = lo1.reinterpretAsInts();
        s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc, Wide.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).add(s0);
        s1 = p.lanewise(VectorOperators.ASHR, 16).add(q.lanewise(VectorOperators.ASHR, 16))
                .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 16, Wide.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).add(s1);
        p = hi0.reinterpretAsInts();
        q = hi1.reinterpretAsInts();
        s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 32, Wide.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).add(s0);
        s1 = p.lanewise(VectorOperators.ASHR, 16).add(q.lanewise(VectorOperators.ASHR, 16))
                .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 48, Wide.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).add(s1);
        s0.intoArray(sums, 0);
        s1.intoArray(sums, 16);
    }
}
