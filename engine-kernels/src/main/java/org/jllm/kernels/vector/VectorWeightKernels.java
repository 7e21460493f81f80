package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.WeightKernel;
import org.jllm.kernels.scalar.ScalarWeightKernels;

/** Vector API kernels for the float weight types, reading rows straight from the segment. */
final class VectorWeightKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Half-width shorts: one load of S.length() 16-bit values widens to exactly one int/float vector. */
    static final VectorSpecies<Short> H =
            VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    static final int L = S.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    private VectorWeightKernels() {
    }

    static WeightKernel forType(GgmlType type) {
        return switch (type) {
            case F32 -> new F32Kernel();
            case F16 -> new F16Kernel();
            case BF16 -> new Bf16Kernel();
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL -> VectorQ8BlockKernel.forType(type);
            // Without 512-bit vectors, Q2_K, Q3_K, Q5_K and IQ4_XS compute on their scalar kernels.
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS -> VectorKQuantKernels.forType(type);
            default -> null;
        };
    }

    /**
     * F32, F16 and BF16 rows read as floats. Each loop converts its L values in place, with one branch per kind that
     * the JIT hoists out of the loop, rather than calling a conversion: a call that passes vectors and is not
     * inlined boxes them, and whether the JIT inlines depends on what it compiled first. F16: the magnitude bits
     * re-biased by 2^112 map normal and subnormal halves onto the same float value; an all-ones exponent (infinity,
     * NaN) becomes the float one by or-ing 0x7f800000, computed without a blend as (exponent + 1) reaching bit 15.
     */
    private abstract static class FloatRowKernel implements WeightKernel {
        final WeightKernel scalar = ScalarWeightKernels.forType(type());
        final int bytesPerValue = type().bytesPerBlock();
        private final boolean f16 = type() == GgmlType.F16;
        private final boolean bf16 = type() == GgmlType.BF16;

        /** One value, for the tail of a row that does not fill a vector. */
        abstract float value(MemorySegment w, long byteOffset);

        @Override
        public void prepareInput(float[] x, int n, Activations prepared) {
            scalar.prepareInput(x, n, prepared);
        }

        @Override
        public void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff) {
            scalar.roundInput(x, xOff, n, dst, dstOff);
        }

        /**
         * Summation follows llama.cpp's kernels on AVX-512 so that F16 results round the same way: rows whose
         * length is a multiple of 16 are summed like its tinyBLAS path (one 16-lane accumulator, FMA block after
         * block, then a halving tree); other rows like ggml's vec_dot (four accumulators over 64-value steps, combined
         * pairwise, then the tail added in double). The four accumulators rotate after every vector, so one loop
         * body serves both orders: after four vectors each is back in its place.
         */
        @Override
        public void matVec(MemorySegment w, int cols, Activations in, float[] out, int rowFrom, int rowTo) {
            float[] x = in.floats();
            long rowBytes = (long) cols * bytesPerValue;
            boolean tiled = L == 16 && cols % 16 == 0;
            int bound = tiled ? cols : cols - cols % (4 * L);
            for (int r = rowFrom; r < rowTo; r++) {
                long base = r * rowBytes;
                FloatVector acc0 = FloatVector.zero(S);
                FloatVector acc1 = acc0;
                FloatVector acc2 = acc0;
                FloatVector acc3 = acc0;
                for (int i = 0; i < bound; i += L) {
                    long at = base + (long) i * bytesPerValue;
                    FloatVector v;
                    if (f16) {
                        IntVector h = (IntVector) ShortVector.fromMemorySegment(H, w, at, LE)
                                .convertShape(VectorOperators.S2I, I, 0);
                        IntVector mag = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
                        IntVector special = h.and(0x7c00).add(0x0400).lanewise(VectorOperators.LSHL, 16)
                                .lanewise(VectorOperators.ASHR, 8).and(0x7f800000);
                        v = mag.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts().or(special)
                                .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
                    } else {
                        v = FloatVector.fromMemorySegment(S, w, at, LE);
                    }
                    FloatVector t = v.fma(FloatVector.fromArray(S, x, i), acc0);
                    if (tiled) {
                        acc0 = t;
                    } else {
                        acc0 = acc1;
                        acc1 = acc2;
                        acc2 = acc3;
                        acc3 = t;
                    }
                }
                if (tiled) {
                    out[r] = Reductions.sum(acc0);
                    continue;
                }
                double sum = Reductions.sum(acc0.add(acc2).add(acc1.add(acc3)));
                for (int i = bound; i < cols; i++) {
                    sum += value(w, base + (long) i * bytesPerValue) * x[i];
                }
                out[r] = (float) sum;
            }
        }

        @Override
        public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
            long base = row * cols * bytesPerValue;
            int i = 0;
            for (int bound = S.loopBound(cols); i < bound; i += L) {
                long at = base + (long) i * bytesPerValue;
                FloatVector v;
                if (f16 || bf16) {
                    IntVector h = (IntVector) ShortVector.fromMemorySegment(H, w, at, LE)
                            .convertShape(VectorOperators.S2I, I, 0);
                    if (bf16) {
                        v = h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    } else {
                        IntVector mag = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
                        IntVector special = h.and(0x7c00).add(0x0400).lanewise(VectorOperators.LSHL, 16)
                                .lanewise(VectorOperators.ASHR, 8).and(0x7f800000);
                        v = mag.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts().or(special)
                                .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
                    }
                } else {
                    v = FloatVector.fromMemorySegment(S, w, at, LE);
                }
                v.intoArray(dst, dstOff + i);
            }
            for (; i < cols; i++) {
                dst[dstOff + i] = value(w, base + (long) i * bytesPerValue);
            }
        }
    }

    static final class F32Kernel extends FloatRowKernel {
        @Override
        public GgmlType type() {
            return GgmlType.F32;
        }


        @Override
        float value(MemorySegment w, long byteOffset) {
            return w.get(F32_LE, byteOffset);
        }
    }

    static final class F16Kernel extends FloatRowKernel {
        @Override
        public GgmlType type() {
            return GgmlType.F16;
        }


        @Override
        float value(MemorySegment w, long byteOffset) {
            return Numbers.f16ToFloat(w.get(I16_LE, byteOffset));
        }
    }

    static final class Bf16Kernel extends FloatRowKernel {
        @Override
        public GgmlType type() {
            return GgmlType.BF16;
        }


        @Override
        public void toTileOrder(float[] v, int off, int cols) {
            ScalarWeightKernels.Bf16Kernel.pairsToTileOrder(v, off, cols);
        }

        /** The order of the scalar reference (VDPBF16PS lanes); see {@code ScalarWeightKernels.Bf16Kernel}. */
        @Override
        public void matVec(MemorySegment w, int cols, Activations in, float[] out, int rowFrom, int rowTo) {
            float[] x = in.floats();
            if (L != 16) {
                scalar.matVec(w, cols, in, out, rowFrom, rowTo);
                return;
            }
            int end = ScalarWeightKernels.Bf16Kernel.pairedEnd(cols);
            boolean one = end == cols;
            long rowBytes = 2L * cols;
            for (int r = rowFrom; r < rowTo; r++) {
                long base = r * rowBytes;
                FloatVector acc0 = FloatVector.zero(S);
                FloatVector acc1 = acc0;
                // One VDPBF16PS step per 32 weights (16 little-endian pairs): odd products first, then even. With
                // two accumulators they alternate, swapping after every step.
                for (int b = 0; b < end; b += 32) {
                    IntVector pairs = IntVector.fromMemorySegment(I, w, base + 2L * b, LE);
                    FloatVector even = pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    FloatVector odd = pairs.and(0xffff0000).reinterpretAsFloats();
                    FloatVector t = acc0.add(odd.mul(FloatVector.fromArray(S, x, b + 16)))
                            .add(even.mul(FloatVector.fromArray(S, x, b)));
                    if (one) {
                        acc0 = t;
                    } else {
                        acc0 = acc1;
                        acc1 = t;
                    }
                }
                if (one) {
                    out[r] = Reductions.sum(acc0);
                    continue;
                }
                double sum = Reductions.sum(acc0);
                sum += Reductions.sum(acc1);
                for (int i = end; i < cols; i++) {
                    sum += value(w, base + 2L * i) * x[i];
                }
                out[r] = (float) sum;
            }
        }

        @Override
        float value(MemorySegment w, long byteOffset) {
            return Numbers.bf16ToFloat(w.get(I16_LE, byteOffset));
        }
    }
}
