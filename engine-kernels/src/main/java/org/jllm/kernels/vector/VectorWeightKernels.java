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
import org.jllm.kernels.LaneMajor;
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
     * F32, F16 and BF16 rows read as floats. Summation follows llama.cpp's kernels on AVX-512 so that results round
     * the same way: rows whose length is a multiple of 16 are summed like its tinyBLAS path (one 16-lane accumulator,
     * FMA block after block, then a halving tree); other rows like ggml's vec_dot (four accumulators over 64-value
     * steps, combined pairwise, then the tail added in double).
     *
     * <p>Each loop is written out for its type and order, with the conversion inside it: a call that passes vectors
     * and is not inlined boxes them, and so does a vector merged from two branches inside a loop once the JIT has
     * seen both taken; which of these the JIT manages depends on what it compiled first.
     */
    private abstract static class FloatRowKernel implements WeightKernel {
        final WeightKernel scalar = ScalarWeightKernels.forType(type());
        final int bytesPerValue = type().bytesPerBlock();

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

        /** {@code LaneMajor} order, as the scalar kernel arranges it. */
        @Override
        public void toTileOrder(float[] v, int off, int cols) {
            laneMajor(v, off, cols);
        }
    }

    /**
     * Rows r..r + 3's products from their accumulators' lanes ({@code four}, 16 each), each summed as a single row's
     * (a halving tree over the lanes). The F32 kernel takes rows four at a time: one accumulator's chain of dependent
     * FMAs left the FMA units waiting on their own latency, and the four share each activation load (1.6x out of
     * cache). F16 takes eight rows (two of these) for long rows only, BF16 takes two rows at a time.
     * Arrays in and out: a call that passes vectors boxes them when it is not inlined.
     */
    private static void sumFour(float[] four, float[] lanes, float[] out, int r) {
        for (int k = 0; k < 4; k++) {
            System.arraycopy(four, 16 * k, lanes, 0, 16);
            out[r + k] = Reductions.sum(lanes);
        }
    }

    private static void laneMajor(float[] v, int off, int cols) {
        if (Transposes.AVAILABLE) {
            Transposes.laneMajor(v, off, cols);
        } else {
            LaneMajor.arrange(v, off, cols);
        }
    }

    static final class F32Kernel extends FloatRowKernel {
        @Override
        public GgmlType type() {
            return GgmlType.F32;
        }

        @Override
        public void matVec(MemorySegment w, int cols, Activations in, float[] out, int rowFrom, int rowTo) {
            GroupScratch scratch = GroupScratch.get();
            float[] lanes = scratch.lanes;
            float[] four = scratch.four;
            float[] x = in.floats();
            long rowBytes = 4L * cols;
            if (L == 16 && cols % 16 == 0) {
                int r = rowFrom;
                for (; r + 4 <= rowTo; r += 4) {
                    long b0 = r * rowBytes;
                    long b1 = b0 + rowBytes;
                    long b2 = b1 + rowBytes;
                    long b3 = b2 + rowBytes;
                    FloatVector a0 = FloatVector.zero(S);
                    FloatVector a1 = a0;
                    FloatVector a2 = a0;
                    FloatVector a3 = a0;
                    for (int i = 0; i < cols; i += L) {
                        FloatVector xv = FloatVector.fromArray(S, x, i);
                        a0 = FloatVector.fromMemorySegment(S, w, b0 + 4L * i, LE).fma(xv, a0);
                        a1 = FloatVector.fromMemorySegment(S, w, b1 + 4L * i, LE).fma(xv, a1);
                        a2 = FloatVector.fromMemorySegment(S, w, b2 + 4L * i, LE).fma(xv, a2);
                        a3 = FloatVector.fromMemorySegment(S, w, b3 + 4L * i, LE).fma(xv, a3);
                    }
                    a0.intoArray(four, 0);
                    a1.intoArray(four, 16);
                    a2.intoArray(four, 32);
                    a3.intoArray(four, 48);
                    sumFour(four, lanes, out, r);
                }
                for (; r < rowTo; r++) {
                    long base = r * rowBytes;
                    FloatVector acc = FloatVector.zero(S);
                    for (int i = 0; i < cols; i += L) {
                        acc = FloatVector.fromMemorySegment(S, w, base + 4L * i, LE)
                                .fma(FloatVector.fromArray(S, x, i), acc);
                    }
                    acc.intoArray(lanes, 0);
                    out[r] = Reductions.sum(lanes);
                }
                return;
            }
            int bound = cols - cols % (4 * L);
            for (int r = rowFrom; r < rowTo; r++) {
                long base = r * rowBytes;
                FloatVector acc0 = FloatVector.zero(S);
                FloatVector acc1 = acc0;
                FloatVector acc2 = acc0;
                FloatVector acc3 = acc0;
                for (int i = 0; i < bound; i += L) {
                    // The four accumulators rotate after every vector: after four each is back in its place.
                    FloatVector t = FloatVector.fromMemorySegment(S, w, base + 4L * i, LE)
                            .fma(FloatVector.fromArray(S, x, i), acc0);
                    acc0 = acc1;
                    acc1 = acc2;
                    acc2 = acc3;
                    acc3 = t;
                }
                acc0.add(acc2).add(acc1.add(acc3)).intoArray(lanes, 0);
                double sum = Reductions.sum(lanes);
                for (int i = bound; i < cols; i++) {
                    sum += value(w, base + 4L * i) * x[i];
                }
                out[r] = (float) sum;
            }
        }

        @Override
        public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
            MemorySegment.copy(w, F32_LE, row * cols * 4L, dst, dstOff, cols);
        }

        @Override
        float value(MemorySegment w, long byteOffset) {
            return w.get(F32_LE, byteOffset);
        }
    }

    /**
     * F16 as floats in three vector operations: the sign-extended half shifted left by 13 has the sign in bit 31 and
     * copies of it in bits 28-30, which the mask clears; what is left, the half's exponent and mantissa in a float's
     * low bits, times 2^112 is the half's value, normal or subnormal (the float {@link Numbers#f16ToFloat} gives).
     * Only an all-ones exponent (infinity, NaN) comes out wrong, as a finite 2^16 or more, so each loop also keeps
     * the largest {@code h & 0x7c00} it read (0x7c00 only for such a half) and hands rows that hold one to the scalar
     * kernel, which sums in the same order. In the products the factor 2^112 goes into the activations instead
     * ({@link #prepareInput}), so a half costs a widening load, a shift and a mask before its FMA: from L2 (128 x 8192,
     * one thread pinned) 57.3-57.9 GB/s against 53.1 with the multiply in the loop, which masking the special halves
     * in every vector made slower still (from memory, 16384 x 8192, alternated JVMs: 0.59-0.68 of a plain read against
     * 0.52-0.59). Long rows go eight at a time, each in its own accumulator, sharing each activation load: the
     * activations (32 KiB and more) no longer stay in L1 beside the streaming weights, and one row then reads twice
     * as many activation bytes as weight bytes (0.42 -> 0.60 of a read when four rows came in; eight instead of four,
     * one thread pinned, alternated JVMs: 25.2-27.0 against 23.7-25.6 GB/s from memory). Shorter rows stream
     * faster one at a time (2048 columns: 0.50-0.58 one row, 0.41-0.43 four, 0.39-0.42 two). Rows that are not a
     * multiple of 32 (no real model has them) take the scalar kernel. The conversion is written out in each loop: as a
     * helper returning the vector, the four-row loop of old boxed it (200 MB per call of 16384 x 8192).
     */
    static final class F16Kernel extends FloatRowKernel {
        /** Rows of this many values or more (activations of 32 KiB and up) go eight at a time. */
        private static final int MANY_ROWS_FROM = 8192;
        /** A half's exponent bits, in each int lane. */
        private static final IntVector EXPONENT = IntVector.broadcast(I, 0x7c00);
        /** Shorts of two float vectors' worth of halves. */
        private static final VectorSpecies<Short> H2 =
                VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize()));
        /** A half's exponent bits, in each short lane. */
        private static final ShortVector EXPONENT16 = ShortVector.broadcast(H2, (short) 0x7c00);
        /** {@link Wide#SIGN_AND_LOW_EXPONENT} in each lane. */
        private static final IntVector SIGN_AND_LOW_EXPONENT = IntVector.broadcast(I, Wide.SIGN_AND_LOW_EXPONENT);

        @Override
        public GgmlType type() {
            return GgmlType.F16;
        }

        /**
         * The scalar kernel's F16-rounded values, and beside them those values times 2^112, so that the loops take
         * a half's bits as a float (its value times 2^-112) straight into the FMA: the product is the same real
         * number, rounded once, so the sums keep their bits. No overflow: an F16 value is below 2^16 in magnitude,
         * and 65504 * 2^112 is a finite float.
         */
        @Override
        public void prepareInput(float[] x, int n, Activations prepared) {
            scalar.prepareInput(x, n, prepared);
            float[] rounded = prepared.floats();
            float[] scaled = prepared.scaledFloats(n);
            int i = 0;
            for (int bound = S.loopBound(n); i < bound; i += L) {
                FloatVector.fromArray(S, rounded, i).mul(0x1p112f).intoArray(scaled, i);
            }
            for (; i < n; i++) {
                scaled[i] = rounded[i] * 0x1p112f;
            }
        }

        /**
         * The two loops are separate methods: in one, the JIT's profile-based loop predicates of the one-row loop
         * failed over and over (a 1B F16 model recompiled this method a hundred times and decoded at a third of its
         * speed).
         */
        @Override
        public void matVec(MemorySegment w, int cols, Activations in, float[] out, int rowFrom, int rowTo) {
            if (L != 16 || cols % (2 * L) != 0) {
                scalar.matVec(w, cols, in, out, rowFrom, rowTo);
                return;
            }
            GroupScratch scratch = GroupScratch.get();
            int r = rowFrom;
            if (cols >= MANY_ROWS_FROM) {
                while ((r = eightRows(w, cols, in.scaledFloats(), out, r, rowTo, scratch)) < 0) {
                    r = -1 - r;
                    scalar.matVec(w, cols, in, out, r, r + 8);
                    r += 8;
                }
            }
            while ((r = oneRow(w, cols, in.scaledFloats(), out, r, rowTo, scratch.lanes)) >= 0) {
                scalar.matVec(w, cols, in, out, r, r + 1);
                r++;
            }
        }

        /**
         * Rows eight at a time from rowFrom on while eight remain; returns the first row left, or -1 - r if rows r to
         * r + 7 hold an infinity or NaN (the scalar kernel's to sum; not inside this loop, where the call boxed the
         * vectors).
         */
        private static int eightRows(MemorySegment w, int cols, float[] x, float[] out, int rowFrom, int rowTo,
                GroupScratch scratch) {
            float[] lanes = scratch.lanes;
            float[] four = scratch.four;
            long rowBytes = 2L * cols;
            int r = rowFrom;
            for (; r + 8 <= rowTo; r += 8) {
                long b0 = r * rowBytes;
                long b1 = b0 + rowBytes;
                long b2 = b1 + rowBytes;
                long b3 = b2 + rowBytes;
                long b4 = b3 + rowBytes;
                long b5 = b4 + rowBytes;
                long b6 = b5 + rowBytes;
                long b7 = b6 + rowBytes;
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                FloatVector a4 = a0;
                FloatVector a5 = a0;
                FloatVector a6 = a0;
                FloatVector a7 = a0;
                ShortVector special = ShortVector.zero(H2);
                // Two vectors of values per step: with one, the JIT unrolled the loop so far that it spilled.
                for (int i = 0; i < cols; i += 2 * L) {
                    FloatVector xv = FloatVector.fromArray(S, x, i);
                    FloatVector xw = FloatVector.fromArray(S, x, i + L);
                    a0 = ((IntVector) ShortVector.fromMemorySegment(H, w, b0 + 2L * i, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xv, a0);
                    a0 = ((IntVector) ShortVector.fromMemorySegment(H, w, b0 + 2L * i + 2 * L, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xw, a0);
                    a1 = ((IntVector) ShortVector.fromMemorySegment(H, w, b1 + 2L * i, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xv, a1);
                    a1 = ((IntVector) ShortVector.fromMemorySegment(H, w, b1 + 2L * i + 2 * L, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xw, a1);
                    a2 = ((IntVector) ShortVector.fromMemorySegment(H, w, b2 + 2L * i, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xv, a2);
                    a2 = ((IntVector) ShortVector.fromMemorySegment(H, w, b2 + 2L * i + 2 * L, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xw, a2);
                    a3 = ((IntVector) ShortVector.fromMemorySegment(H, w, b3 + 2L * i, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xv, a3);
                    a3 = ((IntVector) ShortVector.fromMemorySegment(H, w, b3 + 2L * i + 2 * L, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xw, a3);
                    a4 = ((IntVector) ShortVector.fromMemorySegment(H, w, b4 + 2L * i, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xv, a4);
                    a4 = ((IntVector) ShortVector.fromMemorySegment(H, w, b4 + 2L * i + 2 * L, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xw, a4);
                    a5 = ((IntVector) ShortVector.fromMemorySegment(H, w, b5 + 2L * i, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xv, a5);
                    a5 = ((IntVector) ShortVector.fromMemorySegment(H, w, b5 + 2L * i + 2 * L, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xw, a5);
                    a6 = ((IntVector) ShortVector.fromMemorySegment(H, w, b6 + 2L * i, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xv, a6);
                    a6 = ((IntVector) ShortVector.fromMemorySegment(H, w, b6 + 2L * i + 2 * L, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xw, a6);
                    a7 = ((IntVector) ShortVector.fromMemorySegment(H, w, b7 + 2L * i, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xv, a7);
                    a7 = ((IntVector) ShortVector.fromMemorySegment(H, w, b7 + 2L * i + 2 * L, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().fma(xw, a7);
                    // Each max's receiver is a vector just computed, the accumulator its argument: C2 inlines this
                    // large method's calls late, when it cannot devirtualize a call on the accumulator (a loop phi),
                    // and then boxed it and every max after it (a 4096-wide F16 model decoded at a third of its speed).
                    special = ShortVector.fromMemorySegment(H2, w, b0 + 2L * i, LE).and(EXPONENT16)
                            .max(ShortVector.fromMemorySegment(H2, w, b1 + 2L * i, LE).and(EXPONENT16))
                            .max(ShortVector.fromMemorySegment(H2, w, b2 + 2L * i, LE).and(EXPONENT16))
                            .max(ShortVector.fromMemorySegment(H2, w, b3 + 2L * i, LE).and(EXPONENT16))
                            .max(ShortVector.fromMemorySegment(H2, w, b4 + 2L * i, LE).and(EXPONENT16))
                            .max(ShortVector.fromMemorySegment(H2, w, b5 + 2L * i, LE).and(EXPONENT16))
                            .max(ShortVector.fromMemorySegment(H2, w, b6 + 2L * i, LE).and(EXPONENT16))
                            .max(ShortVector.fromMemorySegment(H2, w, b7 + 2L * i, LE).and(EXPONENT16))
                            .max(special);
                }
                if (special.reduceLanes(VectorOperators.MAX) == 0x7c00) {
                    return -1 - r;
                }
                a0.intoArray(four, 0);
                a1.intoArray(four, 16);
                a2.intoArray(four, 32);
                a3.intoArray(four, 48);
                sumFour(four, lanes, out, r);
                a4.intoArray(four, 0);
                a5.intoArray(four, 16);
                a6.intoArray(four, 32);
                a7.intoArray(four, 48);
                sumFour(four, lanes, out, r + 4);
            }
            return r;
        }

        /** Rows one at a time; returns -1 when done, or the first row holding an infinity or NaN (not summed). */
        private static int oneRow(MemorySegment w, int cols, float[] x, float[] out, int rowFrom, int rowTo,
                float[] lanes) {
            long rowBytes = 2L * cols;
            for (int r = rowFrom; r < rowTo; r++) {
                long base = r * rowBytes;
                FloatVector acc = FloatVector.zero(S);
                IntVector special = IntVector.zero(I);
                for (int i = 0; i < cols; i += L) {
                    IntVector h = (IntVector) ShortVector.fromMemorySegment(H, w, base + 2L * i, LE)
                            .convertShape(VectorOperators.S2I, I, 0);
                    acc = h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats()
                            .fma(FloatVector.fromArray(S, x, i), acc);
                    special = h.and(EXPONENT).max(special);
                }
                if (special.reduceLanes(VectorOperators.MAX) == 0x7c00) {
                    return r;
                }
                acc.intoArray(lanes, 0);
                out[r] = Reductions.sum(lanes);
            }
            return -1;
        }

        @Override
        public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
            long base = 2L * row * cols;
            int i = 0;
            IntVector special = IntVector.zero(I);
            for (int bound = S.loopBound(cols); i < bound; i += L) {
                IntVector h = (IntVector) ShortVector.fromMemorySegment(H, w, base + 2L * i, LE)
                        .convertShape(VectorOperators.S2I, I, 0);
                h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().mul(0x1p112f)
                        .intoArray(dst, dstOff + i);
                special = h.and(EXPONENT).max(special);
            }
            if (special.reduceLanes(VectorOperators.MAX) == 0x7c00) {
                i = 0; // an infinity or NaN: the row again, value by value
            }
            for (; i < cols; i++) {
                dst[dstOff + i] = value(w, base + 2L * i);
            }
        }

        @Override
        float value(MemorySegment w, long byteOffset) {
            return Numbers.f16ToFloat(w.get(I16_LE, byteOffset));
        }
    }

    static final class Bf16Kernel extends FloatRowKernel {
        /**
         * Columns per chunk: the chunk's activations (4 KiB) stay in L1 beside the streaming weights. Single thread,
         * 16384 x 8192, four rounds alternated: whole rows 0.52-0.62 of a plain read, chunks of 2048 0.56-0.87, of
         * 1024 0.61-0.88 (medians 0.58, 0.73, 0.78).
         */
        private static final int CHUNK_COLUMNS = 1024;

        @Override
        public GgmlType type() {
            return GgmlType.BF16;
        }

        /** Odd-indexed, then even-indexed values of two vectors (32 values): the VDPBF16PS pair order. */
        private static final FloatVector ODD = FloatVector.zero(S).addIndex(2).add(1f);
        private static final FloatVector EVEN = FloatVector.zero(S).addIndex(2);

        /** {@code ScalarWeightKernels.Bf16Kernel.pairsToTileOrder}, two vectors at a time. */
        @Override
        public void toTileOrder(float[] v, int off, int cols) {
            if (L != 16 || cols % 32 != 0) {
                ScalarWeightKernels.Bf16Kernel.pairsToTileOrder(v, off, cols);
                laneMajor(v, off, cols);
                return;
            }
            for (int b = off; b < off + cols; b += 32) {
                FloatVector lo = FloatVector.fromArray(S, v, b);
                FloatVector hi = FloatVector.fromArray(S, v, b + 16);
                FloatVector odd = ODD.selectFrom(lo, hi);
                EVEN.selectFrom(lo, hi).intoArray(v, b + 16);
                odd.intoArray(v, b);
            }
            laneMajor(v, off, cols);
        }

        /**
         * The order of the scalar reference (VDPBF16PS lanes); see {@code ScalarWeightKernels.Bf16Kernel}. One
         * VDPBF16PS step per 32 weights (16 little-endian pairs): odd products first, then even. Rows of a multiple
         * of 32 use one accumulator, two rows at a time: the two share the activation loads, and each row's chain
         * of dependent additions overlaps the other's (single thread, 16384 x 2048: 0.47-0.55 -> 0.81-0.84 of a
         * plain read; x 8192: 0.41-0.47 -> 0.47-0.50; four rows boxed their accumulators); long rows then lost to
         * their activations, which no longer stayed in L1 beside the weights, hence the chunks of columns
         * ({@link #CHUNK_COLUMNS}). Other rows use two accumulators that alternate, swapping after every step. The
         * two-row loop is a method of its own, as F16's loops are.
         */
        @Override
        public void matVec(MemorySegment w, int cols, Activations in, float[] out, int rowFrom, int rowTo) {
            if (L != 16) {
                scalar.matVec(w, cols, in, out, rowFrom, rowTo);
                return;
            }
            GroupScratch scratch = GroupScratch.get();
            float[] lanes = scratch.lanes;
            float[] x = in.floats();
            int end = ScalarWeightKernels.Bf16Kernel.pairedEnd(cols);
            long rowBytes = 2L * cols;
            int r = end == cols ? twoRows(w, cols, x, out, rowFrom, rowTo, scratch) : rowFrom;
            for (; r < rowTo; r++) {
                long base = r * rowBytes;
                FloatVector acc0 = FloatVector.zero(S);
                if (end == cols) {
                    for (int b = 0; b < cols; b += 32) {
                        IntVector pairs = IntVector.fromMemorySegment(I, w, base + 2L * b, LE);
                        acc0 = pairs.and(0xffff0000).reinterpretAsFloats().mul(FloatVector.fromArray(S, x, b + 16))
                                .add(acc0)
                                .add(pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                                        .mul(FloatVector.fromArray(S, x, b)));
                    }
                    acc0.intoArray(lanes, 0);
                    out[r] = Reductions.sum(lanes);
                    continue;
                }
                FloatVector acc1 = acc0;
                for (int b = 0; b < end; b += 32) {
                    IntVector pairs = IntVector.fromMemorySegment(I, w, base + 2L * b, LE);
                    FloatVector t = pairs.and(0xffff0000).reinterpretAsFloats().mul(FloatVector.fromArray(S, x, b + 16))
                            .add(acc0)
                            .add(pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                                    .mul(FloatVector.fromArray(S, x, b)));
                    acc0 = acc1;
                    acc1 = t;
                }
                acc0.intoArray(lanes, 0);
                double sum = Reductions.sum(lanes);
                acc1.intoArray(lanes, 0);
                sum += Reductions.sum(lanes);
                for (int i = end; i < cols; i++) {
                    sum += value(w, base + 2L * i) * x[i];
                }
                out[r] = (float) sum;
            }
        }

        /**
         * Rows of a multiple of 32 values two at a time from rowFrom on while two remain; returns the row left. Rows
         * go in groups of {@link GroupScratch#GROUP_ROWS}, the columns in chunks of {@link #CHUNK_COLUMNS} that
         * every row of the group takes in turn, each pair of rows carrying its accumulators from chunk to chunk
         * through the scratch (same lanes, same order: the same bits as whole rows).
         */
        private static int twoRows(MemorySegment w, int cols, float[] x, float[] out, int rowFrom, int rowTo,
                GroupScratch scratch) {
            float[] lanes = scratch.lanes;
            float[] acc = scratch.rowLanes;
            long rowBytes = 2L * cols;
            int r = rowFrom;
            while (r + 2 <= rowTo) {
                int group = Math.min(GroupScratch.GROUP_ROWS, (rowTo - r) & ~1);
                java.util.Arrays.fill(acc, 0, 16 * group, 0f);
                for (int from = 0; from < cols; from += CHUNK_COLUMNS) {
                    int to = Math.min(cols, from + CHUNK_COLUMNS);
                    for (int i = 0; i < group; i += 2) {
                        long b0 = (r + i) * rowBytes;
                        long b1 = b0 + rowBytes;
                        FloatVector a0 = FloatVector.fromArray(S, acc, 16 * i);
                        FloatVector a1 = FloatVector.fromArray(S, acc, 16 * i + 16);
                        for (int b = from; b < to; b += 32) {
                            FloatVector xOdd = FloatVector.fromArray(S, x, b + 16);
                            FloatVector xEven = FloatVector.fromArray(S, x, b);
                            IntVector p0 = IntVector.fromMemorySegment(I, w, b0 + 2L * b, LE);
                            IntVector p1 = IntVector.fromMemorySegment(I, w, b1 + 2L * b, LE);
                            a0 = p0.and(0xffff0000).reinterpretAsFloats().mul(xOdd).add(a0)
                                    .add(p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().mul(xEven));
                            a1 = p1.and(0xffff0000).reinterpretAsFloats().mul(xOdd).add(a1)
                                    .add(p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().mul(xEven));
                        }
                        a0.intoArray(acc, 16 * i);
                        a1.intoArray(acc, 16 * i + 16);
                    }
                }
                for (int i = 0; i < group; i++) {
                    System.arraycopy(acc, 16 * i, lanes, 0, 16);
                    out[r + i] = Reductions.sum(lanes);
                }
                r += group;
            }
            return r;
        }

        @Override
        public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
            long base = 2L * row * cols;
            int i = 0;
            for (int bound = S.loopBound(cols); i < bound; i += L) {
                ((IntVector) ShortVector.fromMemorySegment(H, w, base + 2L * i, LE)
                        .convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
            }
            for (; i < cols; i++) {
                dst[dstOff + i] = value(w, base + 2L * i);
            }
        }

        @Override
        float value(MemorySegment w, long byteOffset) {
            return Numbers.bf16ToFloat(w.get(I16_LE, byteOffset));
        }
    }
}
