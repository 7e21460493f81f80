package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.IQ4_XSKernel;
import org.jllm.kernels.quant.Q2_KKernel;
import org.jllm.kernels.quant.Q3_KKernel;
import org.jllm.kernels.quant.Q5_KKernel;
import org.jllm.kernels.quant.Q6_KKernel;

/**
 * The K-quants (and IQ4_XS) on 512-bit vectors: each chunk of 32 weights is unpacked to int16 lanes, multiplied with
 * the Q8_K activations and pair-summed ({@link Wide#pairSums}), times its integer sub-block scale (one per 32 values,
 * or one per 16 for lanes 0-7 and 8-15), summed in int lanes over the super-block (at most 8 * 2^20 in magnitude),
 * then converted and scaled once by d_w * d_x. Minimums go into one float per row. The integer sums are exact, so
 * these differ from the scalar kernels only in the order of the float accumulation. Each class writes its whole loop:
 * a vector passed to or returned from a call that is not inlined would be boxed. A row's 16 lanes are summed from an
 * array ({@link Reductions#sum(float[])}): the last call of a long method is the one the JIT leaves out when its
 * inlining budget runs out.
 */
final class WideKQuantKernels {
    private static final int BLOCK = 256;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private WideKQuantKernels() {
    }

    private static float f16(MemorySegment w, long at) {
        return Float.float16ToFloat(w.get(I16, at));
    }

    private static int u8(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    /** Scale a for int lanes 0-7 (values 0-15 of a chunk), b for lanes 8-15. */
    private static IntVector perSixteen(int a, int b) {
        return IntVector.broadcast(Wide.I, a).blend(b, Wide.UPPER_PAIRS);
    }

    /** The activations' sum over 32 values (two 16-value sums, exact small integers). */
    private static int sum32(int[] groupSums, int at) {
        return groupSums[at] + groupSums[at + 1];
    }

    /**
     * Q4_K's and Q5_K's sum over a super-block's eight sub-blocks of (6-bit minimum x activation sum), with the
     * minimums unpacked in one expression (as {@code minimum(s8, s4, s)} does one by one, 17 % of a Q4_K matVec
     * faster): 0-3 are the low 6 bits of scale bytes 4-7; 4-7 the high nibbles of bytes 8-11 with the top 2 bits of
     * bytes 4-7 above them. {@code g}: the super-block's first 16-value group in {@code groupSums}.
     */
    private static int minimumSum(long s8, int s4, int[] groupSums, int g) {
        int hi = (int) (s8 >>> 32);
        return (hi & 63) * sum32(groupSums, g)
                + ((hi >>> 8) & 63) * sum32(groupSums, g + 2)
                + ((hi >>> 16) & 63) * sum32(groupSums, g + 4)
                + ((hi >>> 24) & 63) * sum32(groupSums, g + 6)
                + (((s4 >>> 4) & 15) | ((hi >>> 2) & 0x30)) * sum32(groupSums, g + 8)
                + (((s4 >>> 12) & 15) | ((hi >>> 10) & 0x30)) * sum32(groupSums, g + 10)
                + (((s4 >>> 20) & 15) | ((hi >>> 18) & 0x30)) * sum32(groupSums, g + 12)
                + (((s4 >>> 28) & 15) | ((hi >>> 26) & 0x30)) * sum32(groupSums, g + 14);
    }

    static final class Q4_K extends VectorKQuantKernels.Q4_K {
        @Override
        public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
            int blocks = cols / BLOCK;
            int bb = type().bytesPerBlock();
            short[] xs = x.shorts();
            float[] xd = x.scales();
            float[] lanes = GroupScratch.get().lanes;
            int[] bsums = x.groupSums();
            for (int r = rowFrom; r < rowTo; r++) {
                long row = (long) r * blocks * bb;
                FloatVector acc = FloatVector.zero(Wide.F);
                float mins = 0f;
                for (int b = 0; b < blocks; b++) {
                    long block = row + (long) b * bb;
                    long s8 = w.get(I64, block + 4);
                    int s4 = w.get(I32, block + 12);
                    int xo = b * BLOCK;
                    IntVector sum = IntVector.zero(Wide.I);
                    for (int j = 0; j < 4; j++) {
                        ShortVector bytes = Wide.signedBytes(w, block + 16 + 32L * j);
                        IntVector low = Wide.pairSums(bytes.and((short) 15), xs, xo + 64 * j);
                        IntVector high = Wide.pairSums(bytes.lanewise(VectorOperators.LSHR, 4).and((short) 15), xs,
                                xo + 64 * j + 32);
                        sum = low.mul(scale(s8, s4, 2 * j)).add(sum).add(high.mul(scale(s8, s4, 2 * j + 1)));
                    }
                    int minSum = minimumSum(s8, s4, bsums, b * 16);
                    acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Wide.F, xd[b] * f16(w, block)), acc);
                    mins = Math.fma(-xd[b] * f16(w, block + 2), (float) minSum, mins);
                }
                acc.intoArray(lanes, 0);
                out[r] = Reductions.sum(lanes) + mins;
            }
        }
    }

    static final class Q5_K extends Q5_KKernel {
        @Override
        public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
            int blocks = cols / BLOCK;
            int bb = type().bytesPerBlock();
            short[] xs = x.shorts();
            float[] xd = x.scales();
            float[] lanes = GroupScratch.get().lanes;
            int[] bsums = x.groupSums();
            for (int r = rowFrom; r < rowTo; r++) {
                long row = (long) r * blocks * bb;
                FloatVector acc = FloatVector.zero(Wide.F);
                float mins = 0f;
                for (int b = 0; b < blocks; b++) {
                    long block = row + (long) b * bb;
                    long s8 = w.get(I64, block + 4);
                    int s4 = w.get(I32, block + 12);
                    int xo = b * BLOCK;
                    IntVector sum = IntVector.zero(Wide.I);
                    for (int c = 0; c < 8; c++) {
                        // Sub-block c: nibble c & 1 of qs bytes 32(c >> 1) .., fifth bit = bit c of qh byte l.
                        ShortVector bytes = Wide.signedBytes(w, block + 48 + 32L * (c >> 1));
                        ShortVector q = bytes.lanewise(VectorOperators.LSHR, 4 * (c & 1)).and((short) 15)
                                .or(Wide.signedBytes(w, block + 16).lanewise(VectorOperators.LSHR, c).and((short) 1)
                                        .lanewise(VectorOperators.LSHL, 4));
                        sum = Wide.pairSums(q, xs, xo + 32 * c)
                                .mul(VectorKQuantKernels.Q4_K.scale(s8, s4, c)).add(sum);
                    }
                    int minSum = minimumSum(s8, s4, bsums, b * 16);
                    acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Wide.F, xd[b] * f16(w, block)), acc);
                    mins = Math.fma(-xd[b] * f16(w, block + 2), (float) minSum, mins);
                }
                acc.intoArray(lanes, 0);
                out[r] = Reductions.sum(lanes) + mins;
            }
        }

        /** The scalar reference's (d * scale) * q - dmin * minimum per value, 32 values per step. */
        @Override
        protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
            float d = f16(w, block);
            float dmin = f16(w, block + 2);
            long s8 = w.get(I64, block + 4);
            int s4 = w.get(I32, block + 12);
            ShortVector qh = Wide.signedBytes(w, block + 16);
            for (int c = 0; c < 8; c++) {
                ShortVector q = Wide.signedBytes(w, block + 48 + 32L * (c >> 1))
                        .lanewise(VectorOperators.LSHR, 4 * (c & 1)).and((short) 15)
                        .or(qh.lanewise(VectorOperators.LSHR, c).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                float scale = d * VectorKQuantKernels.Q4_K.scale(s8, s4, c);
                float minimum = dmin * VectorKQuantKernels.Q4_K.minimum(s8, s4, c);
                ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 0)).mul(scale).sub(minimum)
                        .intoArray(dst, off + 32 * c);
                ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 1)).mul(scale).sub(minimum)
                        .intoArray(dst, off + 32 * c + 16);
            }
        }
    }

    static final class Q6_K extends Q6_KKernel {
        // Wide.signedBytes is written out in this class: the embedding look-up calls dequantizeBlock once per
        // token, and where the JIT compiled that helper apart from its caller each call boxed a vector
        // (DecodeAllocationTest, 1.5 KB per token).
        @Override
        public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
            int blocks = cols / BLOCK;
            int bb = type().bytesPerBlock();
            short[] xs = x.shorts();
            float[] xd = x.scales();
            float[] lanes = GroupScratch.get().lanes;
            for (int r = rowFrom; r < rowTo; r++) {
                long row = (long) r * blocks * bb;
                FloatVector acc = FloatVector.zero(Wide.F);
                for (int b = 0; b < blocks; b++) {
                    long block = row + (long) b * bb;
                    int xo = b * BLOCK;
                    IntVector sum = IntVector.zero(Wide.I);
                    for (int c = 0; c < 8; c++) {
                        // Chunk c = 4h + t: nibble t >> 1 of ql bytes 64h + 32(t & 1) ..; bits 2t, 2t+1 of qh bytes
                        // 32h ... One chunk per iteration keeps the loop body small enough to be inlined whole.
                        int h = c >> 2;
                        int t = c & 3;
                        ShortVector ql = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w,
                                block + 64L * h + 32L * (t & 1), Wide.LE).convertShape(VectorOperators.B2S, Wide.S, 0);
                        ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w,
                                block + 128 + 32L * h, Wide.LE).convertShape(VectorOperators.B2S, Wide.S, 0);
                        ShortVector q = ql.lanewise(VectorOperators.LSHR, 4 * (t >> 1)).and((short) 15)
                                .or(qh.lanewise(VectorOperators.LSHR, 2 * t).and((short) 3)
                                        .lanewise(VectorOperators.LSHL, 4)).sub((short) 32);
                        sum = Wide.pairSums(q, xs, xo + 32 * c)
                                .mul(perSixteen(scaleOf(w, block, 2 * c), scaleOf(w, block, 2 * c + 1))).add(sum);
                    }
                    acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Wide.F, xd[b] * f16(w, block + 208)), acc);
                }
                acc.intoArray(lanes, 0);
                out[r] = Reductions.sum(lanes);
            }
        }

        /** The scalar reference's (d * scale) * q per value, 32 values per step (the prompt path's hot loop). */
        @Override
        protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
            float d = f16(w, block + 208);
            for (int c = 0; c < 8; c++) {
                int h = c >> 2;
                int t = c & 3;
                ShortVector ql = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w,
                        block + 64L * h + 32L * (t & 1), Wide.LE).convertShape(VectorOperators.B2S, Wide.S, 0);
                ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w,
                        block + 128 + 32L * h, Wide.LE).convertShape(VectorOperators.B2S, Wide.S, 0);
                ShortVector q = ql.lanewise(VectorOperators.LSHR, 4 * (t >> 1)).and((short) 15)
                        .or(qh.lanewise(VectorOperators.LSHR, 2 * t).and((short) 3).lanewise(VectorOperators.LSHL, 4))
                        .sub((short) 32);
                ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 0))
                        .mul(d * scaleOf(w, block, 2 * c)).intoArray(dst, off + 32 * c);
                ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 1))
                        .mul(d * scaleOf(w, block, 2 * c + 1)).intoArray(dst, off + 32 * c + 16);
            }
        }
    }

    static final class Q2_K extends Q2_KKernel {
        @Override
        public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
            int blocks = cols / BLOCK;
            int bb = type().bytesPerBlock();
            short[] xs = x.shorts();
            float[] xd = x.scales();
            float[] lanes = GroupScratch.get().lanes;
            int[] bsums = x.groupSums();
            for (int r = rowFrom; r < rowTo; r++) {
                long row = (long) r * blocks * bb;
                FloatVector acc = FloatVector.zero(Wide.F);
                float mins = 0f;
                for (int b = 0; b < blocks; b++) {
                    long block = row + (long) b * bb;
                    int xo = b * BLOCK;
                    IntVector sum = IntVector.zero(Wide.I);
                    for (int n = 0; n < 2; n++) {
                        ShortVector bytes = Wide.signedBytes(w, block + 16 + 32L * n);
                        for (int j = 0; j < 4; j++) {
                            int chunk = 128 * n + 32 * j;
                            ShortVector q = bytes.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3);
                            sum = Wide.pairSums(q, xs, xo + chunk).mul(perSixteen(
                                    u8(w, block + chunk / 16) & 15, u8(w, block + chunk / 16 + 1) & 15)).add(sum);
                        }
                    }
                    int minSum = 0;
                    for (int g = 0; g < 16; g++) {
                        minSum += (u8(w, block + g) >>> 4) * bsums[b * 16 + g];
                    }
                    acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Wide.F, xd[b] * f16(w, block + 80)), acc);
                    mins = Math.fma(-xd[b] * f16(w, block + 82), (float) minSum, mins);
                }
                acc.intoArray(lanes, 0);
                out[r] = Reductions.sum(lanes) + mins;
            }
        }

        /** The scalar reference's (d * scale) * q - dmin * minimum per value, 32 values per step. */
        @Override
        protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
            float d = f16(w, block + 80);
            float dmin = f16(w, block + 82);
            for (int n = 0; n < 2; n++) {
                ShortVector bytes = Wide.signedBytes(w, block + 16 + 32L * n);
                for (int j = 0; j < 4; j++) {
                    int chunk = 128 * n + 32 * j;
                    int g = chunk / 16;
                    ShortVector q = bytes.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3);
                    ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 0)).mul(d * (u8(w, block + g) & 15))
                            .sub(dmin * (u8(w, block + g) >>> 4)).intoArray(dst, off + chunk);
                    ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 1))
                            .mul(d * (u8(w, block + g + 1) & 15)).sub(dmin * (u8(w, block + g + 1) >>> 4))
                            .intoArray(dst, off + chunk + 16);
                }
            }
        }
    }

    static final class Q3_K extends Q3_KKernel {
        @Override
        public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
            int blocks = cols / BLOCK;
            int bb = type().bytesPerBlock();
            short[] xs = x.shorts();
            float[] xd = x.scales();
            float[] lanes = GroupScratch.get().lanes;
            for (int r = rowFrom; r < rowTo; r++) {
                long row = (long) r * blocks * bb;
                FloatVector acc = FloatVector.zero(Wide.F);
                for (int b = 0; b < blocks; b++) {
                    long block = row + (long) b * bb;
                    int xo = b * BLOCK;
                    ShortVector hmask = Wide.signedBytes(w, block);
                    IntVector sum = IntVector.zero(Wide.I);
                    for (int n = 0; n < 2; n++) {
                        ShortVector bytes = Wide.signedBytes(w, block + 32 + 32L * n);
                        for (int j = 0; j < 4; j++) {
                            int chunk = 128 * n + 32 * j;
                            // Two bits, plus 4 when the hmask bit is set, minus 4.
                            ShortVector q = bytes.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3)
                                    .add(hmask.lanewise(VectorOperators.LSHR, 4 * n + j).and((short) 1)
                                            .lanewise(VectorOperators.LSHL, 2))
                                    .sub((short) 4);
                            sum = Wide.pairSums(q, xs, xo + chunk).mul(perSixteen(
                                    groupScale(w, block, chunk / 16), groupScale(w, block, chunk / 16 + 1))).add(sum);
                        }
                    }
                    acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Wide.F, xd[b] * f16(w, block + 108)), acc);
                }
                acc.intoArray(lanes, 0);
                out[r] = Reductions.sum(lanes);
            }
        }

        /** The scalar reference's (d * scale) * q per value, 32 values per step. */
        @Override
        protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
            float d = f16(w, block + 108);
            ShortVector hmask = Wide.signedBytes(w, block);
            for (int n = 0; n < 2; n++) {
                ShortVector bytes = Wide.signedBytes(w, block + 32 + 32L * n);
                for (int j = 0; j < 4; j++) {
                    int chunk = 128 * n + 32 * j;
                    ShortVector q = bytes.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3)
                            .add(hmask.lanewise(VectorOperators.LSHR, 4 * n + j).and((short) 1)
                                    .lanewise(VectorOperators.LSHL, 2))
                            .sub((short) 4);
                    ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 0))
                            .mul(d * groupScale(w, block, chunk / 16)).intoArray(dst, off + chunk);
                    ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 1))
                            .mul(d * groupScale(w, block, chunk / 16 + 1)).intoArray(dst, off + chunk + 16);
                }
            }
        }
    }

    static final class IQ4_XS extends IQ4_XSKernel {
        @Override
        public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
            int blocks = cols / BLOCK;
            int bb = type().bytesPerBlock();
            short[] xs = x.shorts();
            float[] xd = x.scales();
            float[] lanes = GroupScratch.get().lanes;
            for (int r = rowFrom; r < rowTo; r++) {
                long row = (long) r * blocks * bb;
                FloatVector acc = FloatVector.zero(Wide.F);
                for (int b = 0; b < blocks; b++) {
                    long block = row + (long) b * bb;
                    int xo = b * BLOCK;
                    IntVector sum = IntVector.zero(Wide.I);
                    for (int ib = 0; ib < 8; ib++) {
                        ShortVector q = Wide.nibbles(w, block + 8 + 16L * ib).selectFrom(Wide.LEVELS);
                        sum = Wide.pairSums(q, xs, xo + 32 * ib).mul(blockScale(w, block, ib)).add(sum);
                    }
                    acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Wide.F, xd[b] * f16(w, block)), acc);
                }
                acc.intoArray(lanes, 0);
                out[r] = Reductions.sum(lanes);
            }
        }

        /** The scalar reference's (d * scale) * level per value, 32 values per step (the prompt path's hot loop). */
        @Override
        protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
            float d = f16(w, block);
            for (int ib = 0; ib < 8; ib++) {
                ShortVector q = Wide.nibbles(w, block + 8 + 16L * ib).selectFrom(Wide.LEVELS);
                float scale = d * blockScale(w, block, ib);
                ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 0)).mul(scale).intoArray(dst, off + 32 * ib);
                ((FloatVector) q.convertShape(VectorOperators.S2F, Wide.F, 1)).mul(scale)
                        .intoArray(dst, off + 32 * ib + 16);
            }
        }
    }
}
