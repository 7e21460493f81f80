package org.jllm.kernels.scalar;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.LaneMajor;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.WeightKernel;

/** Scalar reference kernels for the float weight types. */
public final class ScalarWeightKernels {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Lanes of the summation tree: the width of an AVX-512 float vector. */
    static final int LANES = 16;

    private ScalarWeightKernels() {
    }

    /** The scalar kernel for {@code type}, or null when there is none. */
    public static WeightKernel forType(GgmlType type) {
        return switch (type) {
            case F32 -> new F32Kernel();
            case F16 -> new F16Kernel();
            case BF16 -> new Bf16Kernel();
            case Q8_0 -> new org.jllm.kernels.quant.Q8_0Kernel();
            case Q4_0 -> new org.jllm.kernels.quant.Q4_0Kernel();
            case Q4_1 -> new org.jllm.kernels.quant.Q4_1Kernel();
            case Q5_0 -> new org.jllm.kernels.quant.Q5_0Kernel();
            case Q5_1 -> new org.jllm.kernels.quant.Q5_1Kernel();
            case IQ4_NL -> new org.jllm.kernels.quant.IQ4_NLKernel();
            case Q4_K -> new org.jllm.kernels.quant.Q4_KKernel();
            case Q6_K -> new org.jllm.kernels.quant.Q6_KKernel();
            case Q2_K -> new org.jllm.kernels.quant.Q2_KKernel();
            case Q3_K -> new org.jllm.kernels.quant.Q3_KKernel();
            case Q5_K -> new org.jllm.kernels.quant.Q5_KKernel();
            case IQ4_XS -> new org.jllm.kernels.quant.IQ4_XSKernel();
            default -> null;
        };
    }

    /** Adds lane i and lane i + h for h = 8, 4, 2, 1 (in place); returns the total. */
    static float halvingSum(float[] lanes) {
        for (int h = LANES / 2; h >= 1; h /= 2) {
            for (int j = 0; j < h; j++) {
                lanes[j] += lanes[j + h];
            }
        }
        return lanes[0];
    }

    /** Shared shape of the scalar kernels: a row is decoded value by value. */
    private abstract static class FloatRowKernel implements WeightKernel {
        abstract float value(MemorySegment w, long index);

        /** Float rows are multiplied as stored: the tile sums them as {@link #matVec} does only in lane-major order. */
        @Override
        public void toTileOrder(float[] v, int off, int cols) {
            LaneMajor.arrange(v, off, cols);
        }

        /**
         * Sums in the order of llama.cpp's AVX-512 kernels (and of the vector kernels at 16 lanes), so both paths give
         * the same bits: rows of a multiple of 16 values use 16 running sums fed block after block (tinyBLAS), other
         * rows four sets of 16 over 64-value steps (ggml's vec_dot) with the tail added in double; lanes are then
         * combined by halving.
         */
        @Override
        public void matVec(MemorySegment w, int cols, Activations in, float[] out, int rowFrom, int rowTo) {
            float[] x = in.floats();
            float[][] acc = ACCUMULATORS.get();
            for (int r = rowFrom; r < rowTo; r++) {
                long base = (long) r * cols;
                for (float[] a : acc) {
                    java.util.Arrays.fill(a, 0f);
                }
                if (cols % LANES == 0) {
                    for (int i = 0; i < cols; i += LANES) {
                        fmaBlock(w, base + i, x, i, acc[0]);
                    }
                    out[r] = halvingSum(acc[0]);
                    continue;
                }
                int step = 4 * LANES;
                int i = 0;
                for (int bound = cols - cols % step; i < bound; i += step) {
                    for (int k = 0; k < 4; k++) {
                        fmaBlock(w, base + i + k * LANES, x, i + k * LANES, acc[k]);
                    }
                }
                for (int j = 0; j < LANES; j++) {
                    acc[0][j] = (acc[0][j] + acc[2][j]) + (acc[1][j] + acc[3][j]);
                }
                double sum = halvingSum(acc[0]);
                for (; i < cols; i++) {
                    sum += value(w, base + i) * x[i];
                }
                out[r] = (float) sum;
            }
        }

        /** Per thread, kept: decoding allocates nothing per token (the vector F16 kernel comes here for odd rows). */
        private static final ThreadLocal<float[][]> ACCUMULATORS = ThreadLocal.withInitial(() -> new float[4][LANES]);

        private void fmaBlock(MemorySegment w, long index, float[] x, int xOff, float[] acc) {
            for (int j = 0; j < LANES; j++) {
                acc[j] = Math.fma(value(w, index + j), x[xOff + j], acc[j]);
            }
        }

        @Override
        public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
            long base = row * cols;
            for (int i = 0; i < cols; i++) {
                dst[dstOff + i] = value(w, base + i);
            }
        }
    }

    static final class F32Kernel extends FloatRowKernel {
        @Override
        public GgmlType type() {
            return GgmlType.F32;
        }

        @Override
        public void prepareInput(float[] x, int n, Activations out) {
            System.arraycopy(x, 0, out.floats(n), 0, n);
        }

        @Override
        public void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff) {
            System.arraycopy(x, xOff, dst, dstOff, n);
        }

        @Override
        float value(MemorySegment w, long index) {
            return w.get(F32, index * 4);
        }
    }

    static final class F16Kernel extends FloatRowKernel {
        @Override
        public GgmlType type() {
            return GgmlType.F16;
        }

        @Override
        public void prepareInput(float[] x, int n, Activations out) {
            float[] prepared = out.floats(n);
            for (int i = 0; i < n; i++) {
                prepared[i] = Numbers.roundToF16(x[i]);
            }
        }

        @Override
        public void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff) {
            for (int i = 0; i < n; i++) {
                dst[dstOff + i] = Numbers.roundToF16(x[xOff + i]);
            }
        }

        @Override
        float value(MemorySegment w, long index) {
            return Float.float16ToFloat(w.get(I16, index * 2));
        }
    }

    public static final class Bf16Kernel extends FloatRowKernel {
        @Override
        public GgmlType type() {
            return GgmlType.BF16;
        }

        /**
         * Activations rounded to BF16; within the part of the row that {@link #matVec} takes in pairs, each block of
         * 32 is stored as its 16 even-indexed values, then its 16 odd-indexed ones (see {@link #pairedEnd}).
         */
        @Override
        public void prepareInput(float[] x, int n, Activations out) {
            float[] prepared = out.floats(n);
            int end = pairedEnd(n);
            for (int b = 0; b < end; b += 32) {
                for (int j = 0; j < 16; j++) {
                    prepared[b + j] = Numbers.roundToBf16(x[b + 2 * j]);
                    prepared[b + 16 + j] = Numbers.roundToBf16(x[b + 2 * j + 1]);
                }
            }
            for (int i = end; i < n; i++) {
                prepared[i] = Numbers.roundToBf16(x[i]);
            }
        }

        @Override
        public void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff) {
            for (int i = 0; i < n; i++) {
                dst[dstOff + i] = Numbers.roundToBf16(x[xOff + i]);
            }
        }

        /**
         * Values [0, pairedEnd) are summed as AVX-512 BF16 dot products do (VDPBF16PS): 16 float lanes, lane j adding
         * the products of pair (2j+1) and then (2j) of each 32-value block; products of two BF16 values are exact in
         * float. Rows of a multiple of 32 are done whole with one accumulator (llama.cpp's tinyBLAS); others in
         * 64-value steps with two accumulators, each reduced on its own, and the tail added in double (ggml's
         * vec_dot_bf16).
         */
        public static int pairedEnd(int cols) {
            return cols % 32 == 0 ? cols : cols - cols % 64;
        }

        /**
         * Rows of a multiple of 32 (one accumulator, the tinyBLAS order of llama.cpp's batches): each 32 values as the
         * 16 odd-indexed then the 16 even-indexed ones, so lane j adds product 2j+1, then 2j, as VDPBF16PS does.
         */
        public static void pairsToTileOrder(float[] v, int off, int cols) {
            if (cols % 32 != 0) {
                return; // two accumulators and a double tail: no lane order reproduces it; float rounding apart
            }
            float[] block = new float[32];
            for (int b = off; b < off + cols; b += 32) {
                System.arraycopy(v, b, block, 0, 32);
                for (int j = 0; j < 16; j++) {
                    v[b + j] = block[2 * j + 1];
                    v[b + 16 + j] = block[2 * j];
                }
            }
        }

        @Override
        public void toTileOrder(float[] v, int off, int cols) {
            pairsToTileOrder(v, off, cols);
            LaneMajor.arrange(v, off, cols);
        }

        @Override
        public void matVec(MemorySegment w, int cols, Activations in, float[] out, int rowFrom, int rowTo) {
            float[] x = in.floats();
            float[] acc0 = new float[LANES];
            float[] acc1 = new float[LANES];
            int end = pairedEnd(cols);
            for (int r = rowFrom; r < rowTo; r++) {
                long base = (long) r * cols;
                java.util.Arrays.fill(acc0, 0f);
                java.util.Arrays.fill(acc1, 0f);
                if (end == cols) {
                    for (int b = 0; b < cols; b += 32) {
                        pairBlock(w, base, x, b, acc0);
                    }
                    out[r] = halvingSum(acc0);
                    continue;
                }
                for (int b = 0; b < end; b += 64) {
                    pairBlock(w, base, x, b, acc0);
                    pairBlock(w, base, x, b + 32, acc1);
                }
                double sum = halvingSum(acc0);
                sum += halvingSum(acc1);
                for (int i = end; i < cols; i++) {
                    sum += value(w, base + i) * x[i];
                }
                out[r] = (float) sum;
            }
        }

        private void pairBlock(MemorySegment w, long base, float[] x, int b, float[] acc) {
            for (int j = 0; j < LANES; j++) {
                acc[j] += value(w, base + b + 2 * j + 1) * x[b + 16 + j];
                acc[j] += value(w, base + b + 2 * j) * x[b + j];
            }
        }

        @Override
        float value(MemorySegment w, long index) {
            return Numbers.bf16ToFloat(w.get(I16, index * 2));
        }
    }
}
