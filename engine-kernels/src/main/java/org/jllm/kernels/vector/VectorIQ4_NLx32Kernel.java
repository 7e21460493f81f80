package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.IQ4_NLx32Kernel;

/**
 * The 512-bit kernel of IQ4_NL with 32 interleaved rows: as {@link VectorIQ4_XSx32Kernel}'s blocks, without their
 * scales. For each byte j, the rows' nibbles are looked up in the 16 levels, multiplied with the broadcast activations
 * of values j and j + 16, summed in int16 (two products of at most 127 x 127), then split into int32 lanes of rows
 * 0-15 and 16-31 ({@link #pairedLane}) as {@link VectorQ8_0x32Kernel} does. Same bits as the scalar
 * {@link IQ4_NLx32Kernel}. One method holds the loop (see {@link VectorQ4_Kx32Kernel}).
 */
final class VectorIQ4_NLx32Kernel extends IQ4_NLx32Kernel {

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
        float[] scales = GroupScratch.get().scales;
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * GROUP_BLOCK_BYTES;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * GROUP_BLOCK_BYTES;
                Wide.f16Times(w, off, xd[b], scales, 0);
                long values = off + VALUES_AT;
                int x0 = 32 * b;
                IntVector biased = IntVector.zero(Wide.I);
                IntVector rows1 = biased;
                for (int j = 0; j < 16; j++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * j, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
                    ShortVector lo = v.selectFrom(Wide.LEVELS);
                    ShortVector hi = v.lanewise(VectorOperators.LSHR, 4).selectFrom(Wide.LEVELS);
                    IntVector p = lo.mul(xq[x0 + j]).add(hi.mul(xq[x0 + 16 + j])).reinterpretAsInts();
                    biased = p.lanewise(VectorOperators.XOR, Wide.LOW_HALF_BIAS).add(biased);
                    rows1 = p.lanewise(VectorOperators.ASHR, 16).add(rows1);
                }
                IntVector rows0 = Wide.lowHalves(biased, rows1, 16);
                acc0 = ((FloatVector) rows0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) rows1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
            }
            acc0.intoArray(out, g * ROWS);
            acc1.intoArray(out, g * ROWS + 16);
        }
    }
}
