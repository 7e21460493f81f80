package org.jllm.kernels.scalar;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.WeightKernel;

/** Scalar reference kernels for the float weight types. */
public final class ScalarWeightKernels {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ScalarWeightKernels() {
    }

    /** The scalar kernel for {@code type}, or null when there is none. */
    public static WeightKernel forType(GgmlType type) {
        return switch (type) {
            case F32 -> new F32Kernel();
            case F16 -> new F16Kernel();
            case BF16 -> new Bf16Kernel();
            default -> null;
        };
    }

    /** Shared shape of the scalar kernels: a row is decoded value by value and multiplied in order. */
    private abstract static class FloatRowKernel implements WeightKernel {
        abstract float value(MemorySegment w, long index);

        @Override
        public void matVec(MemorySegment w, int cols, float[] x, float[] out, int rowFrom, int rowTo) {
            for (int r = rowFrom; r < rowTo; r++) {
                long base = (long) r * cols;
                float sum = 0f;
                for (int i = 0; i < cols; i++) {
                    sum += value(w, base + i) * x[i];
                }
                out[r] = sum;
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
        public void prepareInput(float[] x, int n, float[] prepared) {
            System.arraycopy(x, 0, prepared, 0, n);
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
        public void prepareInput(float[] x, int n, float[] prepared) {
            for (int i = 0; i < n; i++) {
                prepared[i] = Numbers.roundToF16(x[i]);
            }
        }

        @Override
        float value(MemorySegment w, long index) {
            return Float.float16ToFloat(w.get(I16, index * 2));
        }
    }

    static final class Bf16Kernel extends FloatRowKernel {
        @Override
        public GgmlType type() {
            return GgmlType.BF16;
        }

        @Override
        public void prepareInput(float[] x, int n, float[] prepared) {
            for (int i = 0; i < n; i++) {
                prepared[i] = Numbers.roundToBf16(x[i]);
            }
        }

        @Override
        float value(MemorySegment w, long index) {
            return Numbers.bf16ToFloat(w.get(I16, index * 2));
        }
    }
}
