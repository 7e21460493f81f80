package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int BLOCK = 256;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int LANES = 8;
    /** Lanes 4-7: the second 16 values of a chunk of 32, which have their own scale. */
    private static final VectorMask<Integer> UPPER_HALF =
            VectorMask.fromArray(I, new boolean[] {false, false, false, false, true, true, true, true}, 0);

    private VectorKQuantKernels() {
    }

    static WeightKernel forType(org.jllm.kernels.GgmlType type) {
        return switch (type) {
            case Q4_K -> Wide.AVAILABLE ? new WideKQuantKernels.Q4_K() : new Q4_K();
            case Q6_K -> Wide.AVAILABLE ? new WideKQuantKernels.Q6_K() : new Q6_K();
            case Q2_K -> Wide.AVAILABLE ? new WideKQuantKernels.Q2_K() : new org.jllm.kernels.quant.Q2_KKernel();
            case Q3_K -> Wide.AVAILABLE ? new WideKQuantKernels.Q3_K() : new org.jllm.kernels.quant.Q3_KKernel();
            case Q5_K -> Wide.AVAILABLE ? new WideKQuantKernels.Q5_K() : new org.jllm.kernels.quant.Q5_KKernel();
            case IQ4_XS -> Wide.AVAILABLE ? new WideKQuantKernels.IQ4_XS() : new org.jllm.kernels.quant.IQ4_XSKernel();
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

    static class Q4_K extends Q4_KKernel {
        /**
         * The scalar kernel's arithmetic in one loop: the 12 scale bytes read once and unpacked in registers, lane
         * sums and float accumulation kept in vectors (written out here, not in helpers: vectors passed to a call
         * that is not inlined are boxed), so the bits equal {@link Q4_KKernel#matVec}'s.
         */
        @Override
        public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
            int blocks = cols / BLOCK;
            int bb = type().bytesPerBlock();
            int[] xi = x.ints();
            float[] xd = x.scales();
            int[] bsums = x.groupSums();
            for (int r = rowFrom; r < rowTo; r++) {
                long row = (long) r * blocks * bb;
                FloatVector acc = FloatVector.zero(F);
                float m0 = 0f;
                float m1 = 0f;
                float m2 = 0f;
                float m3 = 0f;
                for (int b = 0; b < blocks; b++) {
                    long block = row + (long) b * bb;
                    long s8 = w.get(I64, block + 4);
                    int s4 = w.get(I32, block + 12);
                    float dmin = -xd[b] * org.jllm.kernels.Numbers.f16ToFloat(w.get(I16, block + 2));
                    int bs = b * 16;
                    // Scales and minimums of sub-blocks 0-3 are the low 6 bits of bytes 0-3 and 4-7; of 4-7, the
                    // nibbles of bytes 8-11 plus the top 2 bits of bytes 0-3 (scales) and 4-7 (minimums).
                    int prod0 = minimum(s8, s4, 0) * sum(bsums, bs, 0) + minimum(s8, s4, 1) * sum(bsums, bs, 1);
                    int prod1 = minimum(s8, s4, 2) * sum(bsums, bs, 2) + minimum(s8, s4, 3) * sum(bsums, bs, 3);
                    int prod2 = minimum(s8, s4, 4) * sum(bsums, bs, 4) + minimum(s8, s4, 5) * sum(bsums, bs, 5);
                    int prod3 = minimum(s8, s4, 6) * sum(bsums, bs, 6) + minimum(s8, s4, 7) * sum(bsums, bs, 7);
                    m0 = Math.fma(dmin, (float) prod0, m0);
                    m1 = Math.fma(dmin, (float) prod1, m1);
                    m2 = Math.fma(dmin, (float) prod2, m2);
                    m3 = Math.fma(dmin, (float) prod3, m3);
                    IntVector lanes = IntVector.zero(I);
                    int xo = b * BLOCK;
                    for (int j = 0; j < 4; j++) {
                        IntVector q = ByteVector.fromMemorySegment(B, w, block + 16 + 32L * j, LE).reinterpretAsInts();
                        int xl = xo + 64 * j;
                        IntVector low = q.and(0x0f).mul(IntVector.fromArray(I, xi, xl))
                                .add(q.lanewise(VectorOperators.LSHR, 8).and(0x0f)
                                        .mul(IntVector.fromArray(I, xi, xl + LANES)))
                                .add(q.lanewise(VectorOperators.LSHR, 16).and(0x0f)
                                        .mul(IntVector.fromArray(I, xi, xl + 2 * LANES)))
                                .add(q.lanewise(VectorOperators.LSHR, 24).and(0x0f)
                                        .mul(IntVector.fromArray(I, xi, xl + 3 * LANES)));
                        int xh = xl + 32;
                        IntVector high = q.lanewise(VectorOperators.LSHR, 4).and(0x0f)
                                .mul(IntVector.fromArray(I, xi, xh))
                                .add(q.lanewise(VectorOperators.LSHR, 12).and(0x0f)
                                        .mul(IntVector.fromArray(I, xi, xh + LANES)))
                                .add(q.lanewise(VectorOperators.LSHR, 20).and(0x0f)
                                        .mul(IntVector.fromArray(I, xi, xh + 2 * LANES)))
                                .add(q.lanewise(VectorOperators.LSHR, 28).and(0x0f)
                                        .mul(IntVector.fromArray(I, xi, xh + 3 * LANES)));
                        lanes = low.mul(scale(s8, s4, 2 * j)).add(lanes).add(high.mul(scale(s8, s4, 2 * j + 1)));
                    }
                    float d = xd[b] * org.jllm.kernels.Numbers.f16ToFloat(w.get(I16, block));
                    acc = ((FloatVector) lanes.convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, d), acc);
                }
                acc = acc.add(acc.rearrange(Reductions.XOR256_4));
                acc = acc.add(acc.rearrange(Reductions.XOR256_2));
                acc = acc.add(acc.rearrange(Reductions.XOR256_1));
                out[r] = acc.lane(0) + ((m0 + m2) + (m1 + m3));
            }
        }

        /** As the scalar reference (d * scale * q - dmin * min, multiply then subtract), 16 values at a time. */
        @Override
        protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
            if (FloatVector.SPECIES_PREFERRED.length() != 16) {
                super.dequantizeBlock(w, block, dst, off);
                return;
            }
            float d = org.jllm.kernels.Numbers.f16ToFloat(w.get(I16, block));
            float dmin = org.jllm.kernels.Numbers.f16ToFloat(w.get(I16, block + 2));
            long s8 = w.get(I64, block + 4);
            int s4 = w.get(I32, block + 12);
            for (int j = 0; j < 4; j++) {
                float d1 = d * scale(s8, s4, 2 * j);
                float m1 = dmin * minimum(s8, s4, 2 * j);
                float d2 = d * scale(s8, s4, 2 * j + 1);
                float m2 = dmin * minimum(s8, s4, 2 * j + 1);
                long qs = block + 16 + 32L * j;
                int o = off + 64 * j;
                for (int h = 0; h < 32; h += 16) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, qs + h, LE)
                            .convertShape(VectorOperators.B2I, IntVector.SPECIES_512, 0);
                    ((FloatVector) q.and(0x0f).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1)
                            .intoArray(dst, o + h);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0f).convert(VectorOperators.I2F, 0))
                            .mul(d2).sub(m2).intoArray(dst, o + 32 + h);
                }
            }
        }

        /** The 6-bit scale of sub-block s from the 12 packed bytes: s8 = bytes 0-7, s4 = bytes 8-11. */
        static int scale(long s8, int s4, int s) {
            if (s < 4) {
                return (int) (s8 >>> (8 * s)) & 63;
            }
            int low = (s4 >>> (8 * (s - 4))) & 0x0f;
            int high = (int) (s8 >>> (8 * (s - 4) + 6)) & 3;
            return low | high << 4;
        }

        /** The 6-bit minimum of sub-block s. */
        static int minimum(long s8, int s4, int s) {
            if (s < 4) {
                return (int) (s8 >>> (8 * s + 32)) & 63;
            }
            int low = (s4 >>> (8 * (s - 4) + 4)) & 0x0f;
            int high = (int) (s8 >>> (8 * s + 6)) & 3;
            return low | high << 4;
        }

        /** The activations' sum over sub-block s (two 16-value sums, exact small integers). */
        private static int sum(int[] bsums, int at, int s) {
            return bsums[at + 2 * s] + bsums[at + 2 * s + 1];
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
                    acc = sum.mul(scale).add(acc);
                }
            }
            acc.intoArray(lanes, 0);
        }

    }
}
