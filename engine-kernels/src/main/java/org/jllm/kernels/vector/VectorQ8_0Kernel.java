package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.Activations;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.quant.Q8_0Kernel;

/**
 * Q8_0 x Q8_0 on the Vector API, the same bits as {@link Q8_0Kernel}: a block's 32 weights are read as 8 int lanes of
 * 4 packed bytes; byte m of every lane is sign-extended by two shifts and multiplied with the activations regrouped
 * the same way, so lane k collects q[4k..4k+3] exactly as llama.cpp's 8 partial sums.
 */
final class VectorQ8_0Kernel extends Q8_0Kernel {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        int blocks = cols / BLOCK;
        int[] xi = x.ints();
        float[] xd = x.scales();
        float[] lanes = new float[LANES];
        for (int r = rowFrom; r < rowTo; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                long off = row + (long) b * BLOCK_BYTES;
                IntVector packed = ByteVector.fromMemorySegment(B, w, off + 2, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsInts();
                int xb = b * BLOCK;
                IntVector sum = byteOf(packed, 0).mul(IntVector.fromArray(I, xi, xb));
                sum = sum.add(byteOf(packed, 1).mul(IntVector.fromArray(I, xi, xb + LANES)));
                sum = sum.add(byteOf(packed, 2).mul(IntVector.fromArray(I, xi, xb + 2 * LANES)));
                sum = sum.add(byteOf(packed, 3).mul(IntVector.fromArray(I, xi, xb + 3 * LANES)));
                float d = Numbers.f16ToFloat(w.get(I16, off)) * xd[b];
                FloatVector g = (FloatVector) sum.convert(VectorOperators.I2F, 0);
                acc = g.fma(FloatVector.broadcast(F, d), acc);
            }
            acc.intoArray(lanes, 0);
            out[r] = halvingSum(lanes);
        }
    }

    /** Byte m (0 = lowest) of each lane, sign-extended. */
    private static IntVector byteOf(IntVector packed, int m) {
        return packed.lanewise(VectorOperators.LSHL, 24 - 8 * m).lanewise(VectorOperators.ASHR, 24);
    }
}
