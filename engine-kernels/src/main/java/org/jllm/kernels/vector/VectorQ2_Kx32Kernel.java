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
 * {@link Q2_Kx32Kernel}. One method holds the loop (see {@link VectorQ4_Kx32Kernel}).
 */
final class VectorQ2_Kx32Kernel extends Q2_Kx32Kernel {

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / 256;
        short[] xs = x.shorts();
        float[] xd = x.scales();
        int[] xsum = x.groupSums();
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
                Wide.f16Times(w, off + DMIN_AT, xd[b], scales, ROWS);
                // The minimums first: their bytes (the high nibbles of the scale bytes) come before the columns.
                IntVector m0 = IntVector.zero(Wide.I);
                IntVector m1 = m0;
                for (int k = 0; k < 16; k++) {
                    int xm = xsum[16 * b + k];
                    long sc = off + SCALES_AT + 32L * k;
                    m0 = ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).lanewise(VectorOperators.LSHR, 4)
                            .mul(xm).add(m0);
                    m1 = ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 16, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).lanewise(VectorOperators.LSHR, 4)
                            .mul(xm).add(m1);
                }
                IntVector s0 = IntVector.zero(Wide.I);
                IntVector s1 = s0;
                for (int half = 0; half < 2; half++) {
                    long columns = off + COLUMNS_AT + 16L * COLUMN_BYTES * half;
                    for (int n = 0; n < 2; n++) {
                        // Value l + 128n + 32j of the 16 columns l of this half, for the byte's four fields j.
                        int x0 = 256 * b + 16 * half + 128 * n;
                        ShortVector a0 = ShortVector.zero(Wide.S);
                        ShortVector a1 = a0;
                        ShortVector a2 = a0;
                        ShortVector a3 = a0;
                        for (int l = 0; l < 16; l++) {
                            ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w,
                                    columns + (long) COLUMN_BYTES * l + ROWS * n, Wide.LE)
                                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
                            a0 = q.and((short) 3).mul(xs[x0 + l]).add(a0);
                            a1 = q.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(xs[x0 + 32 + l]).add(a1);
                            a2 = q.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(xs[x0 + 64 + l]).add(a2);
                            a3 = q.lanewise(VectorOperators.LSHR, 6).mul(xs[x0 + 96 + l]).add(a3);
                        }
                        // Field j holds group 8n + 2j + half: its scale bytes (low nibbles) at 64 (4n + j) + 32 half.
                        long sc = off + SCALES_AT + 32L * half + 256L * n;
                        IntVector p = a0.reinterpretAsInts();
                        s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(
                                ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc, Wide.LE)
                                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s0);
                        s1 = p.lanewise(VectorOperators.ASHR, 16).mul(
                                ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 16, Wide.LE)
                                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s1);
                        p = a1.reinterpretAsInts();
                        s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(
                                ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 64, Wide.LE)
                                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s0);
                        s1 = p.lanewise(VectorOperators.ASHR, 16).mul(
                                ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 80, Wide.LE)
                                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s1);
                        p = a2.reinterpretAsInts();
                        s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(
                                ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 128, Wide.LE)
                                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s0);
                        s1 = p.lanewise(VectorOperators.ASHR, 16).mul(
                                ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 144, Wide.LE)
                                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s1);
                        p = a3.reinterpretAsInts();
                        s0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(
                                ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 192, Wide.LE)
                                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s0);
                        s1 = p.lanewise(VectorOperators.ASHR, 16).mul(
                                ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 208, Wide.LE)
                                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).and(15)).add(s1);
                    }
                }
                acc0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
                min0 = ((FloatVector) m0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 32), min0);
                min1 = ((FloatVector) m1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 48), min1);
            }
            acc0.sub(min0).intoArray(out, g * ROWS);
            acc1.sub(min1).intoArray(out, g * ROWS + 16);
        }
    }
}
