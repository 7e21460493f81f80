package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.Activations;
import org.jllm.kernels.WeightKernel;
import org.jllm.kernels.quant.Q4_KKernel;
import org.jllm.kernels.quant.Q6_KKernel;

/**
 * Vector API lane sums for the K-quants: 32 values at a time as 8 int lanes of 4 packed bytes (lane k holds values
 * 4k..4k+3, llama.cpp's grouping), multiplied with the activations regrouped the same way. The integer sums are exact,
 * so they equal the scalar kernels' and the float accumulation around them is shared.
 */
final class VectorKQuantKernels {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int LANES = 8;
    /** Lanes 4-7: the second 16 values of a chunk of 32, which have their own scale. */
    private static final VectorMask<Integer> UPPER_HALF =
            VectorMask.fromArray(I, new boolean[] {false, false, false, false, true, true, true, true}, 0);

    private VectorKQuantKernels() {
    }

    static WeightKernel forType(org.jllm.kernels.GgmlType type) {
        return switch (type) {
            case Q4_K -> new Q4_K();
            case Q6_K -> new Q6_K();
            default -> null;
        };
    }

    static IntVector packed(MemorySegment w, long at) {
        return ByteVector.fromMemorySegment(B, w, at, LE).reinterpretAsInts();
    }

    /** Sum over m of lanes(m) * activations[m], for one chunk of 32 regrouped activations at {@code xi[off..]}. */
    static IntVector dot(IntVector v0, IntVector v1, IntVector v2, IntVector v3, int[] xi, int off) {
        return v0.mul(IntVector.fromArray(I, xi, off))
                .add(v1.mul(IntVector.fromArray(I, xi, off + LANES)))
                .add(v2.mul(IntVector.fromArray(I, xi, off + 2 * LANES)))
                .add(v3.mul(IntVector.fromArray(I, xi, off + 3 * LANES)));
    }

    /** Bits {@code shift .. shift+width-1} of byte m of every lane, for m = 0..3. */
    static IntVector field(IntVector packed, int m, int shift, int mask) {
        return packed.lanewise(VectorOperators.LSHR, 8 * m + shift).and(mask);
    }

    static final class Q4_K extends Q4_KKernel {
        @Override
        protected void laneSums(MemorySegment w, long block, Activations x, int xOff, int[] lanes) {
            int[] xi = x.ints();
            IntVector acc = IntVector.zero(I);
            for (int j = 0; j < 4; j++) {
                IntVector q = packed(w, block + 16 + 32L * j);
                IntVector low = dot(field(q, 0, 0, 0x0f), field(q, 1, 0, 0x0f), field(q, 2, 0, 0x0f),
                        field(q, 3, 0, 0x0f), xi, xOff + 64 * j);
                IntVector high = dot(field(q, 0, 4, 0x0f), field(q, 1, 4, 0x0f), field(q, 2, 4, 0x0f),
                        field(q, 3, 4, 0x0f), xi, xOff + 64 * j + 32);
                acc = acc.add(low.mul(scaleMin(w, block + 4, 2 * j, 0)))
                        .add(high.mul(scaleMin(w, block + 4, 2 * j + 1, 0)));
            }
            acc.intoArray(lanes, 0);
        }
    }

    static final class Q6_K extends Q6_KKernel {
        @Override
        protected void laneSums(MemorySegment w, long block, Activations x, int xOff, int[] lanes) {
            int[] xi = x.ints();
            IntVector acc = IntVector.zero(I);
            for (int h = 0; h < 2; h++) {
                IntVector qh = packed(w, block + 128 + 32L * h);
                for (int t = 0; t < 4; t++) {
                    IntVector ql = packed(w, block + 64L * h + 32L * (t & 1));
                    int nibble = t < 2 ? 0 : 4;
                    // Four locals, not an array: an array of vectors would box every one of them.
                    IntVector v0 = field(ql, 0, nibble, 0x0f)
                            .or(field(qh, 0, 2 * t, 3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector v1 = field(ql, 1, nibble, 0x0f)
                            .or(field(qh, 1, 2 * t, 3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector v2 = field(ql, 2, nibble, 0x0f)
                            .or(field(qh, 2, 2 * t, 3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector v3 = field(ql, 3, nibble, 0x0f)
                            .or(field(qh, 3, 2 * t, 3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    int chunk = 128 * h + 32 * t;
                    IntVector sum = dot(v0, v1, v2, v3, xi, xOff + chunk);
                    IntVector scale = IntVector.broadcast(I, scaleOf(w, block, chunk / 16))
                            .blend(scaleOf(w, block, chunk / 16 + 1), UPPER_HALF);
                    acc = acc.add(sum.mul(scale));
                }
            }
            acc.intoArray(lanes, 0);
        }

    }
}
