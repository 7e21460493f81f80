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
 * <p>How the work is cut into methods matters to the JIT: per super-block one method for its four chunks' products
 * ({@link #chunkSums}: a loop over the chunks, the sums out through an array) and one for its scales and minimum sums
 * ({@link #superBlockFactors}). Methods must not pass vectors to each other (a call that is not inlined boxes them).
 * The products in the row group's method itself (no call per super-block) ran 1.2-1.3x faster from L2 but grew past
 * what the JIT inlines whole once other kernels had been compiled in the JVM: it left vector operations as allocating
 * calls in one or all of several DecodeAllocationTest runs. A call per chunk (2048 products, the sums in and out
 * through the array each time) ran at 0.88x this from L2 (Q4_K 256 x 4096, one thread pinned to one CPU: 32.9-33.2
 * against 37.2-37.5 GB/s); small methods exchanging partial sums for every 1024 products, with a call per block from a
 * shared loop, ran at less than half.
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
     * Q4_K's and Q5_K's products ({@code fifthBits}: Q5_K's, {@link VectorQ5_Kx32Kernel#chunkSums}): per
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
                if (fifthBits) {
                    VectorQ5_Kx32Kernel.chunkSums(w, off, xs, 256 * b, xsum, 16 * b, sums);
                } else {
                    chunkSums(w, off, xs, 256 * b, sums);
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
     * The rows' sums sum_s scale_s * dot_s of the super-block at {@code off} into {@code sums[0..32)}, its activations
     * from {@code xs[xb]}: for each chunk j its two sub-blocks (values at {@code VALUES_AT} + 1024j: low nibbles
     * sub-block 2j, high nibbles 2j + 1; their scale bytes at {@code SCALES_AT} + 64j and + 32).
     */
    private static void chunkSums(MemorySegment w, long off, short[] xs, int xb, int[] sums) {
        IntVector s0 = IntVector.zero(Wide.I);
        IntVector s1 = s0;
        for (int j = 0; j < 4; j++) {
            long values = off + VALUES_AT + 1024L * j;
            long sc = off + SCALES_AT + 64L * j;
            int x0 = xb + 64 * j;
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
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, 16);
    }
}
