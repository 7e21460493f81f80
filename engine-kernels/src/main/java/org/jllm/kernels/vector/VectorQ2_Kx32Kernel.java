package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q2_Kx32Kernel;

/**
 * The 512-bit kernel of Q2_K with 32 interleaved rows: one int16 lane per row. A column's 2-bit byte of half n gives
 * the rows' four values l + 128n + 32j; each times its broadcast activation is summed in an int16 accumulator over 16
 * columns (at most 16 x 3 x 127), then split into int32 lanes of rows 0-15 and 16-31 ({@link #pairedLane}) and
 * multiplied by the rows' 4-bit scale of its group of 16; the minimums' sums are int32 too. Same bits as the scalar
 * {@link Q2_Kx32Kernel}: per row, acc = fma(sum, d * d_x, acc), mins = fma(minSum, dmin * d_x, mins), acc - mins.
 * Small methods exchange arrays ({@link GroupScratch}), never vectors: a super-block in one method was sometimes
 * compiled with vector operations left as allocating calls.
 */
final class VectorQ2_Kx32Kernel extends Q2_Kx32Kernel {

    /** The scalar Q8_K quantization's bits, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepareK(stored, x, n, out);
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / 256;
        float[] xd = x.scales();
        GroupScratch work = GroupScratch.get();
        float[] scales = work.scales;
        int[] sums = work.sums;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * GROUP_BLOCK_BYTES;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            FloatVector min0 = acc0;
            FloatVector min1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * GROUP_BLOCK_BYTES;
                // The scales first (the layout is in reading order), then the sums, through arrays.
                Wide.f16Times(w, off, xd[b], scales, 0);
                Wide.f16Times(w, off + DMIN_AT, xd[b], scales, ROWS);
                superBlockSums(w, off, x, b, work);
                acc0 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 0).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 16).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
                min0 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 32).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 32), min0);
                min1 = ((FloatVector) IntVector.fromArray(Wide.I, sums, 48).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(Wide.F, scales, 48), min1);
            }
            acc0.sub(min0).intoArray(out, g * ROWS);
            acc1.sub(min1).intoArray(out, g * ROWS + 16);
        }
    }

    /**
     * The exact integer sums of the super-block at {@code off} for the group's 32 rows: the minimums' first (their
     * bytes come before the columns), into {@code sums[32..64)}, then the values' into {@code sums[0..32)}.
     */
    private static void superBlockSums(MemorySegment w, long off, Activations x, int b, GroupScratch work) {
        short[] xs = x.shorts();
        minimumSums(w, off + SCALES_AT, x.groupSums(), b * 16, work.sums);
        valueSums(w, off, xs, b * 256, work.sums);
    }

    /**
     * sum_g scale_g * dot_g of the super-block at {@code off} into {@code sums[0..32)}: per half of its 32 columns and
     * per half n of a column's bytes, the int16 sums over 16 columns of values l + 128n + 32j (j = 0..3) times
     * {@code xs[xb + 16 * half + 128n + 32j + l]}, each then split into int32 rows and multiplied by the 4-bit scale
     * of its group 2(4n + j) + half (scale bytes at {@code SCALES_AT} + 32 half + 64(4n + j)). One method for the
     * super-block's values: a method per 16 columns handing int16 sums to another through an array ran at
     * 0.85-0.89x of this from L2 (256 x 4096, one thread pinned to one CPU).
     */
    private static void valueSums(MemorySegment w, long off, short[] xs, int xb, int[] sums) {
        IntVector s0 = IntVector.zero(Wide.I);
        IntVector s1 = s0;
        for (int half = 0; half < 2; half++) {
            long columns = off + COLUMNS_AT + 16L * COLUMN_BYTES * half;
            for (int n = 0; n < 2; n++) {
                ShortVector a0 = ShortVector.zero(Wide.S);
                ShortVector a1 = a0;
                ShortVector a2 = a0;
                ShortVector a3 = a0;
                int x = xb + 16 * half + 128 * n;
                for (int l = 0; l < 16; l++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w,
                            columns + (long) COLUMN_BYTES * l + ROWS * n, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
                    a0 = q.and((short) 3).mul(xs[x + l]).add(a0);
                    a1 = q.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(xs[x + 32 + l]).add(a1);
                    a2 = q.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(xs[x + 64 + l]).add(a2);
                    a3 = q.lanewise(VectorOperators.LSHR, 6).mul(xs[x + 96 + l]).add(a3);
                }
                long sc = off + SCALES_AT + 32L * half + 256L * n;
                IntVector p = a0.reinterpretAsInts();
                s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .mul(((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc, Wide.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s0);
                s1 = p.lanewise(VectorOperators.ASHR, 16)
                        .mul(((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 16, Wide.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s1);
                p = a1.reinterpretAsInts();
                s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .mul(((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 64, Wide.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s0);
                s1 = p.lanewise(VectorOperators.ASHR, 16)
                        .mul(((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 80, Wide.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s1);
                p = a2.reinterpretAsInts();
                s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .mul(((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 128, Wide.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s0);
                s1 = p.lanewise(VectorOperators.ASHR, 16)
                        .mul(((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 144, Wide.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s1);
                p = a3.reinterpretAsInts();
                s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .mul(((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 192, Wide.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s0);
                s1 = p.lanewise(VectorOperators.ASHR, 16)
                        .mul(((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 208, Wide.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s1);
            }
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, 16);
    }

    /** sum_g min_g * xsum_g for the group's 32 rows (scale-and-minimum bytes at {@code sc}) into sums[32..64). */
    private static void minimumSums(MemorySegment w, long sc, int[] xsum, int g0, int[] sums) {
        IntVector m0 = IntVector.zero(Wide.I);
        IntVector m1 = m0;
        for (int g = 0; g < 16; g++) {
            int xm = xsum[g0 + g];
            m0 = ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 32L * g, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).lanewise(VectorOperators.LSHR, 4)
                    .mul(xm).add(m0);
            m1 = ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 32L * g + 16, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).lanewise(VectorOperators.LSHR, 4)
                    .mul(xm).add(m1);
        }
        m0.intoArray(sums, 32);
        m1.intoArray(sums, 48);
    }
}
