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

    /** Loads L sign-extended 16-bit values as ints. */
    static IntVector loadShorts(MemorySegment w, long byteOffset) {
        return (IntVector) ShortVector.fromMemorySegment(H, w, byteOffset, LE)
                .convertShape(VectorOperators.S2I, I, 0);
    }

    /** IEEE half to float, exact for normals, subnormals, infinities and NaNs. */
    static FloatVector f16ToFloat(IntVector h) {
        IntVector mag = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        // Re-biasing the exponent by 2^112 maps normal and subnormal halves onto the same float value.
        IntVector bits = mag.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infOrNan = h.and(0x7c00).eq(0x7c00);
        bits = bits.blend(mag.or(0x7f800000), infOrNan);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    static FloatVector bf16ToFloat(IntVector h) {
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Row-by-row dot products with two accumulators; the tail of a row that does not fill a vector is scalar. */
    private abstract static class FloatRowKernel implements WeightKernel {
        final WeightKernel scalar = ScalarWeightKernels.forType(type());
        final int bytesPerValue = type().bytesPerBlock();

        abstract FloatVector load(MemorySegment w, long byteOffset);

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
         * pairwise, then the tail added in double).
         */
        @Override
        public void matVec(MemorySegment w, int cols, Activations in, float[] out, int rowFrom, int rowTo) {
            float[] x = in.floats();
            long rowBytes = (long) cols * bytesPerValue;
            if (L == 16 && cols % 16 == 0) {
                for (int r = rowFrom; r < rowTo; r++) {
                    long base = r * rowBytes;
                    FloatVector acc = FloatVector.zero(S);
                    for (int i = 0; i < cols; i += L) {
                        acc = load(w, base + (long) i * bytesPerValue).fma(FloatVector.fromArray(S, x, i), acc);
                    }
                    out[r] = Reductions.sum(acc);
                }
                return;
            }
            int step = 4 * L;
            int bound = cols - cols % step;
            for (int r = rowFrom; r < rowTo; r++) {
                long base = r * rowBytes;
                FloatVector acc0 = FloatVector.zero(S);
                FloatVector acc1 = FloatVector.zero(S);
                FloatVector acc2 = FloatVector.zero(S);
                FloatVector acc3 = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += step) {
                    acc0 = load(w, base + (long) i * bytesPerValue).fma(FloatVector.fromArray(S, x, i), acc0);
                    acc1 = load(w, base + (long) (i + L) * bytesPerValue)
                            .fma(FloatVector.fromArray(S, x, i + L), acc1);
                    acc2 = load(w, base + (long) (i + 2 * L) * bytesPerValue)
                            .fma(FloatVector.fromArray(S, x, i + 2 * L), acc2);
                    acc3 = load(w, base + (long) (i + 3 * L) * bytesPerValue)
                            .fma(FloatVector.fromArray(S, x, i + 3 * L), acc3);
                }
                double sum = Reductions.sum(acc0.add(acc2).add(acc1.add(acc3)));
                for (; i < cols; i++) {
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
                load(w, base + (long) i * bytesPerValue).intoArray(dst, dstOff + i);
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
        FloatVector load(MemorySegment w, long byteOffset) {
            return FloatVector.fromMemorySegment(S, w, byteOffset, LE);
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
        FloatVector load(MemorySegment w, long byteOffset) {
            return f16ToFloat(loadShorts(w, byteOffset));
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
        FloatVector load(MemorySegment w, long byteOffset) {
            return bf16ToFloat(loadShorts(w, byteOffset));
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
            long rowBytes = 2L * cols;
            for (int r = rowFrom; r < rowTo; r++) {
                long base = r * rowBytes;
                FloatVector acc0 = FloatVector.zero(S);
                if (end == cols) {
                    for (int b = 0; b < cols; b += 32) {
                        acc0 = pairBlock(w, base + 2L * b, x, b, acc0);
                    }
                    out[r] = Reductions.sum(acc0);
                    continue;
                }
                FloatVector acc1 = FloatVector.zero(S);
                for (int b = 0; b < end; b += 64) {
                    acc0 = pairBlock(w, base + 2L * b, x, b, acc0);
                    acc1 = pairBlock(w, base + 2L * (b + 32), x, b + 32, acc1);
                }
                double sum = Reductions.sum(acc0);
                sum += Reductions.sum(acc1);
                for (int i = end; i < cols; i++) {
                    sum += value(w, base + 2L * i) * x[i];
                }
                out[r] = (float) sum;
            }
        }

        /** One VDPBF16PS step: 32 BF16 weights as 16 little-endian pairs; odd products first, then even. */
        private static FloatVector pairBlock(MemorySegment w, long byteOffset, float[] x, int b, FloatVector acc) {
            IntVector pairs = IntVector.fromMemorySegment(I, w, byteOffset, LE);
            FloatVector even = pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector odd = pairs.and(0xffff0000).reinterpretAsFloats();
            acc = acc.add(odd.mul(FloatVector.fromArray(S, x, b + 16)));
            return acc.add(even.mul(FloatVector.fromArray(S, x, b)));
        }

        @Override
        float value(MemorySegment w, long byteOffset) {
            return Numbers.bf16ToFloat(w.get(I16_LE, byteOffset));
        }
    }
}
