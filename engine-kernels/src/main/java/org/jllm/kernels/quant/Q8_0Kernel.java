package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.WeightKernel;

/**
 * Q8_0: blocks of 32 weights, an F16 scale {@code d} followed by 32 int8 values; weight = d * q.
 *
 * <p>Integer path, as llama.cpp computes Q8_0 x Q8_0 on x86: the activations are quantized to Q8_0 too (per block
 * amax / 127 as F16 scale, values x * 127 / amax rounded to nearest even), each block's dot product is taken in
 * integers as 8 partial sums of 4 products, scaled by d_w * d_x and accumulated with FMA into 8 float lanes that are
 * summed by halving at the end. This class is the scalar reference; the vector kernel computes the same bits.
 */
public class Q8_0Kernel implements WeightKernel {
    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 34;
    /** Float lanes of the accumulator (llama.cpp's AVX2 kernel: one 256-bit register). */
    public static final int LANES = 8;
    protected static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    /**
     * Quantizes x to Q8_0 blocks: {@code quants} holds the int8 values, {@code scales} the F16-rounded scales, and
     * {@code ints} the same values regrouped per block as [m][k] = q[4k + m] (m < 4, k < 8) for the vector lanes.
     */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        int blocks = n / BLOCK;
        byte[] q = out.quants(n);
        float[] d = out.scales(blocks);
        int[] regrouped = out.ints(n);
        for (int b = 0; b < blocks; b++) {
            int base = b * BLOCK;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
            d[b] = Numbers.roundToF16(amax / 127f);
            float id = amax != 0f ? 127f / amax : 0f;
            for (int j = 0; j < BLOCK; j++) {
                q[base + j] = (byte) Math.rint(x[base + j] * id);
            }
            for (int m = 0; m < 4; m++) {
                for (int k = 0; k < LANES; k++) {
                    regrouped[base + m * LANES + k] = q[base + 4 * k + m];
                }
            }
        }
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        int blocks = cols / BLOCK;
        byte[] q = x.quants();
        float[] xd = x.scales();
        float[] acc = new float[LANES];
        for (int r = rowFrom; r < rowTo; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            java.util.Arrays.fill(acc, 0f);
            for (int b = 0; b < blocks; b++) {
                long off = row + (long) b * BLOCK_BYTES;
                float d = Numbers.f16ToFloat(w.get(I16, off)) * xd[b];
                for (int k = 0; k < LANES; k++) {
                    int sum = 0;
                    for (int m = 0; m < 4; m++) {
                        int j = 4 * k + m;
                        sum += w.get(ValueLayout.JAVA_BYTE, off + 2 + j) * q[b * BLOCK + j];
                    }
                    acc[k] = Math.fma(d, (float) sum, acc[k]);
                }
            }
            out[r] = halvingSum(acc);
        }
    }

    /** Lane i plus lane i + h for h = LANES/2 .. 1; the total ends in lane 0. */
    protected static float halvingSum(float[] lanes) {
        for (int h = lanes.length / 2; h >= 1; h /= 2) {
            for (int j = 0; j < h; j++) {
                lanes[j] += lanes[j + h];
            }
        }
        return lanes[0];
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
        int blocks = cols / BLOCK;
        long base = row * blocks * BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            float d = Numbers.f16ToFloat(w.get(I16, off));
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOff + b * BLOCK + j] = d * w.get(ValueLayout.JAVA_BYTE, off + 2 + j);
            }
        }
    }
}
