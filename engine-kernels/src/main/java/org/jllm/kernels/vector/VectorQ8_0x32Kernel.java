package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q8_0x32Kernel;

/**
 * The 512-bit kernel of Q8_0 with 32 interleaved rows: one int16 lane per row. Two columns at a time: their 32-byte
 * loads, sign-extended, times the broadcast activations, summed in int16 (two products of at most 128 x 127 stay
 * below 2^15), then split into int32 lanes of rows 0-15 and 16-31 ({@link #pairedLane}) and summed over the block
 * (the high halves shifted down, the low ones summed with bit 15 flipped and taken out once: {@link Wide#lowHalves}).
 * Same bits as the scalar {@link Q8_0x32Kernel}. One method holds the loop and converts the F16 scales in place, as
 * {@link VectorQ4_0x32Kernel} does: a block is only 1024 products, and calls per block (handing sums and scales over
 * in arrays) took about half the time.
 */
final class VectorQ8_0x32Kernel extends Q8_0x32Kernel {

    /** The scalar quantization's bits, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepare(x, n, out, 0);
    }
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / 32;
        short[] xq = x.shorts();
        float[] xd = x.scales();
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * GROUP_BLOCK_BYTES;
            FloatVector acc0 = FloatVector.zero(Wide.F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * GROUP_BLOCK_BYTES;
                int xb = b * 32;
                IntVector biased = IntVector.zero(Wide.I);
                IntVector rows1 = biased;
                for (int j = 0; j < 32; j += 2) {
                    long values = off + VALUES_AT + 32L * j;
                    ShortVector a = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values, Wide.LE)
                            .convertShape(VectorOperators.B2S, Wide.S, 0);
                    ShortVector c = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32, Wide.LE)
                            .convertShape(VectorOperators.B2S, Wide.S, 0);
                    IntVector p = a.mul(xq[xb + j]).add(c.mul(xq[xb + j + 1])).reinterpretAsInts();
                    biased = p.lanewise(VectorOperators.XOR, Wide.LOW_HALF_BIAS).add(biased);
                    rows1 = p.lanewise(VectorOperators.ASHR, 16).add(rows1);
                }
                IntVector rows0 = Wide.lowHalves(biased, rows1, 16);
                // F16 -> F32 as in VectorQ4_0x32Kernel (exact for finite values).
                IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S256, w, off, Wide.LE)
                        .convertShape(VectorOperators.S2I, Wide.I, 0);
                IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S256, w, off + 32, Wide.LE)
                        .convertShape(VectorOperators.S2I, Wide.I, 0);
                FloatVector d0 = h0.lanewise(VectorOperators.LSHL, 13).and(Wide.SIGN_AND_LOW_EXPONENT)
                        .reinterpretAsFloats().mul(0x1p112f);
                FloatVector d1 = h1.lanewise(VectorOperators.LSHL, 13).and(Wide.SIGN_AND_LOW_EXPONENT)
                        .reinterpretAsFloats().mul(0x1p112f);
                acc0 = ((FloatVector) rows0.convert(VectorOperators.I2F, 0)).fma(d0.mul(xd[b]), acc0);
                acc1 = ((FloatVector) rows1.convert(VectorOperators.I2F, 0)).fma(d1.mul(xd[b]), acc1);
            }
            acc0.intoArray(out, g * ROWS);
            acc1.intoArray(out, g * ROWS + 16);
        }
    }
}
