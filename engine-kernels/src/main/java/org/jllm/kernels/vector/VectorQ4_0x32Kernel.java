package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q4_0x32Kernel;

/**
 * The 512-bit kernel of Q4_0 with 32 interleaved rows: one int16 lane per row. For each column pair (j, j + 16) of a
 * block, one 32-byte load gives the 32 rows' packed bytes; their low and high nibbles are multiplied by the
 * broadcast activations x_j and x_{j+16} and summed in two int16 accumulators (16 products of at most 15 x 127 each,
 * below 2^15). So a block costs about 7 vector operations per 64 weights, against ~11 per 32 in the file layout,
 * where each block's products must be summed across lanes before its scale applies. The 32 scales of a block are
 * converted from F16 in two vectors. Same bits as the scalar {@link Q4_0x32Kernel}.
 */
final class VectorQ4_0x32Kernel extends Q4_0x32Kernel {

    /** The scalar quantization's bits with the offsets' group sums, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepare(x, n, out, 8);
    }
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Byte> B512 = ByteVector.SPECIES_512;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;

    /** Lane 4j + k of 4 rows' 16 packed bytes (row k at 16k): row k's byte j, so int lane j holds byte j of 4 rows. */
    private static final VectorShuffle<Byte> BYTE_MAJOR = VectorShuffle.fromOp(B512, l -> (l & 3) * 16 + (l >> 2));
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(Wide.LE);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(Wide.LE);

    /**
     * The scalar transposition with wide loads: a group's 32 x 16 packed bytes are regrouped four rows per 512-bit
     * vector by one shuffle, then moved as ints (the layout's 4-byte runs).
     */
    @Override
    public void interleave(MemorySegment src, int cols, MemorySegment dst, int groupFrom, int groupTo) {
        int blocks = cols / 32;
        byte[] rows = new byte[ROWS * 16];
        int[] runs = new int[ROWS * 4];
        short[] scales = new short[ROWS];
        int[] out = new int[ROWS * 4];
        for (int g = groupFrom; g < groupTo; g++) {
            for (int b = 0; b < blocks; b++) {
                for (int i = 0; i < ROWS; i++) {
                    long at = ((long) (g * ROWS + i) * blocks + b) * 18;
                    scales[i] = src.get(I16, at);
                    ByteVector.fromMemorySegment(B128, src, at + 2, Wide.LE).intoArray(rows, 16 * i);
                }
                for (int v = 0; v < ROWS / 4; v++) {
                    ByteVector.fromArray(B512, rows, 64 * v).rearrange(BYTE_MAJOR).reinterpretAsInts()
                            .intoArray(runs, 16 * v);
                }
                // Run j * 8 + v: byte j of rows 4v..4v+3.
                for (int j = 0; j < 16; j++) {
                    for (int v = 0; v < ROWS / 4; v++) {
                        out[8 * j + v] = runs[16 * v + j];
                    }
                }
                long to = ((long) g * blocks + b) * GROUP_BLOCK_BYTES;
                MemorySegment.copy(scales, 0, dst, I16, to, ROWS);
                MemorySegment.copy(out, 0, dst, I32, to + VALUES_AT, out.length);
            }
        }
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / 32;
        short[] xq = x.shorts();
        float[] xd = x.scales();
        int[] xsum = x.groupSums();
        for (int g = rowFrom / ROWS; g < rowTo / ROWS; g++) {
            long group = (long) g * blocks * GROUP_BLOCK_BYTES;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * GROUP_BLOCK_BYTES;
                int xb = b * 32;
                ShortVector lo = ShortVector.zero(S);
                ShortVector hi = lo;
                for (int j = 0; j < 16; j++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + VALUES_AT + 32 * j, Wide.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = v.and((short) 15).mul(xq[xb + j]).add(lo);
                    hi = v.lanewise(VectorOperators.LSHR, 4).mul(xq[xb + 16 + j]).add(hi);
                }
                int offset = xsum[b];
                IntVector s0 = ((IntVector) lo.convertShape(VectorOperators.S2I, I, 0))
                        .add((IntVector) hi.convertShape(VectorOperators.S2I, I, 0)).sub(offset);
                IntVector s1 = ((IntVector) lo.convertShape(VectorOperators.S2I, I, 1))
                        .add((IntVector) hi.convertShape(VectorOperators.S2I, I, 1)).sub(offset);
                // F16 -> F32 exactly for finite values (Wide.SIGN_AND_LOW_EXPONENT).
                IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S256, w, off, Wide.LE)
                        .convertShape(VectorOperators.S2I, I, 0);
                IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S256, w, off + 32, Wide.LE)
                        .convertShape(VectorOperators.S2I, I, 0);
                FloatVector d0 = h0.lanewise(VectorOperators.LSHL, 13).and(Wide.SIGN_AND_LOW_EXPONENT)
                        .reinterpretAsFloats().mul(0x1p112f);
                FloatVector d1 = h1.lanewise(VectorOperators.LSHL, 13).and(Wide.SIGN_AND_LOW_EXPONENT)
                        .reinterpretAsFloats().mul(0x1p112f);
                acc0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(d0.mul(xd[b]), acc0);
                acc1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(d1.mul(xd[b]), acc1);
            }
            acc0.intoArray(out, g * ROWS);
            acc1.intoArray(out, g * ROWS + 16);
        }
    }
}
