package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q3_Kx32Kernel;

/**
 * The 512-bit kernel of Q3_K with 32 interleaved rows: one int16 lane per row. A group of 16 values is three 64-byte
 * words holding the 32 rows' values as 3-bit two's complement (see {@link Q3_Kx32Kernel}): values 5k are one
 * arithmetic shift of word k, values 5k + 1..5k + 4 a multiply (moving them up: the shift port is the busiest) and a
 * shift, value 15 the words' low bits gathered; each times its broadcast activation is summed in one int16
 * accumulator (16 products of at most 4 x 127), split into int32 lanes of rows 0-15 and 16-31 ({@link #pairedLane})
 * and multiplied by the rows' signed scale of the group. Same bits as the scalar {@link Q3_Kx32Kernel}. One method
 * holds the loop, a group's words a loop of their own (see {@link VectorQ5_0x32Kernel}).
 */
final class VectorQ3_Kx32Kernel extends Q3_Kx32Kernel {

    /** The scalar Q8_K quantization's bits, vectorized ({@link VectorQ8Activations}). */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        VectorQ8Activations.prepareK(stored, x, n, out);
    }
    private static final ShortVector TIMES_8 = ShortVector.broadcast(Wide.S, (short) 8);
    private static final ShortVector TIMES_64 = ShortVector.broadcast(Wide.S, (short) 64);
    private static final ShortVector TIMES_512 = ShortVector.broadcast(Wide.S, (short) 512);
    private static final ShortVector TIMES_4096 = ShortVector.broadcast(Wide.S, (short) 4096);
    private static final ShortVector BIT_13 = ShortVector.broadcast(Wide.S, (short) 0x2000);

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / 256;
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
                IntVector s0 = IntVector.zero(Wide.I);
                IntVector s1 = s0;
                for (int u = 0; u < 16; u++) {
                    long at = off + UNITS_AT + (long) UNIT_BYTES * u;
                    int xo = 256 * b + 16 * u;
                    ShortVector p = ShortVector.zero(Wide.S);
                    ShortVector e15 = p;
                    for (int k = 0; k < 3; k++) {
                        ShortVector wk = ShortVector.fromMemorySegment(Wide.S, w, at + (long) WORD_BYTES * k,
                                Wide.LE);
                        int xk = xo + 5 * k;
                        p = wk.lanewise(VectorOperators.ASHR, 13).mul(xq[xk]).add(p);
                        p = wk.mul(TIMES_8).lanewise(VectorOperators.ASHR, 13).mul(xq[xk + 1]).add(p);
                        p = wk.mul(TIMES_64).lanewise(VectorOperators.ASHR, 13).mul(xq[xk + 2]).add(p);
                        p = wk.mul(TIMES_512).lanewise(VectorOperators.ASHR, 13).mul(xq[xk + 3]).add(p);
                        p = wk.mul(TIMES_4096).lanewise(VectorOperators.ASHR, 13).mul(xq[xk + 4]).add(p);
                        e15 = wk.lanewise(VectorOperators.LSHL, 13 + k)
                                .and(BIT_13.lanewise(VectorOperators.LSHL, k)).or(e15);
                    }
                    p = e15.lanewise(VectorOperators.ASHR, 13).mul(xq[xo + 15]).add(p);
                    IntVector pairs = p.reinterpretAsInts();
                    long sc = off + SCALES_AT + (long) ROWS * u;
                    s0 = pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc, Wide.LE)
                                    .convertShape(VectorOperators.B2I, Wide.I, 0)).add(s0);
                    s1 = pairs.lanewise(VectorOperators.ASHR, 16)
                            .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 16, Wide.LE)
                                    .convertShape(VectorOperators.B2I, Wide.I, 0)).add(s1);
                }
                acc0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 0), acc0);
                acc1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Wide.F, scales, 16), acc1);
            }
            acc0.intoArray(out, g * ROWS);
            acc1.intoArray(out, g * ROWS + 16);
        }
    }
}
