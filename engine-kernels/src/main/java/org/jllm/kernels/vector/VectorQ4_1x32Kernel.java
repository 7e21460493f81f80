package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q4_1x32Kernel;

/**
 * The 512-bit kernel of Q4_1 with 32 interleaved rows: one int16 lane per row. For each byte j, one 32-byte load
 * gives the 32 rows' packed byte; its low nibble times the broadcast activation j and its high nibble times
 * activation j + 16 are summed in two int16 accumulators over the block (16 products of at most 15 x 127 each), then
 * split into int32 lanes of rows 0-15 and 16-31 ({@link #pairedLane}). The minimums' term is the rows' m times Q8_1's
 * sums s, subtracted on the float side. Same bits as the scalar {@link Q4_1x32Kernel}. One method holds the loop (see
 * {@link VectorQ4_Kx32Kernel}).
 */
final class VectorQ4_1x32Kernel extends Q4_1x32Kernel {

    /** The scalar quantization's bits, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepare(x, n, out, 0);
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / 32;
        short[] xq = x.shorts();
        float[] xd = x.scales();
        float[] xs = x.sums();
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
                long values = off + VALUES_AT;
                int x0 = 32 * b;
                ShortVector lo = ShortVector.zero(Wide.S);
                ShortVector hi = lo;
                for (int j = 0; j < 16; j++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * j, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
                    lo = v.and((short) 15).mul(xq[x0 + j]).add(lo);
                    hi = v.lanewise(VectorOperators.LSHR, 4).mul(xq[x0 + 16 + j]).add(hi);
                }
                IntVector p = lo.reinterpretAsInts();
                IntVector q = hi.reinterpretAsInts();
                IntVector rows0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector rows1 = p.lanewise(VectorOperators.ASHR, 16).add(q.lanewise(VectorOperators.ASHR, 16));
                acc0 = ((FloatVector) rows0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) rows1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
                // The minimums' sum of m * s; the scalar kernel sums their negations (fma(-1, m * s, mins)) and
                // subtracts that: negation is exact and rounding symmetric, so the bits are the same.
                min0 = FloatVector.fromArray(Wide.F, scales, 32).add(min0);
                min1 = FloatVector.fromArray(Wide.F, scales, 48).add(min1);
            }
            acc0.add(min0).intoArray(out, g * ROWS);
            acc1.add(min1).intoArray(out, g * ROWS + 16);
        }
    }
}
