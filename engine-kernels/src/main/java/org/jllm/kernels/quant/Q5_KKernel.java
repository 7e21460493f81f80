package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;

/**
 * Q5_K: Q4_K's header (F16 d and dmin, 12 bytes of six-bit scales and minimums), then 32 bytes qh and 128 bytes of
 * nibbles; value 64j + l (l < 32) takes the low nibble of qs[32j + l] and bit 2j of qh[l], value 64j + 32 + l the high
 * nibble and bit 2j + 1; weight = d * scale_s * q - dmin * min_s. llama.cpp adds the minimums as one float per
 * super-block.
 */
public class Q5_KKernel extends Q8KBlockKernel {
    public Q5_KKernel() {
        super(GgmlType.Q5_K, 0);
    }

    private static int q5(MemorySegment w, long block, int j, int l, boolean high) {
        int b = u8(w, block + 48 + 32L * j + l);
        int h = (u8(w, block + 16 + l) >>> (2 * j + (high ? 1 : 0))) & 1;
        return (high ? b >>> 4 : b & 0x0f) | h << 4;
    }

    @Override
    protected void laneSums(MemorySegment w, long block, Activations x, int xOff, int[] lanes) {
        byte[] xq = x.quants();
        java.util.Arrays.fill(lanes, 0);
        for (int j = 0; j < 4; j++) {
            int scLow = Q4_KKernel.scaleMin(w, block + 4, 2 * j, 0);
            int scHigh = Q4_KKernel.scaleMin(w, block + 4, 2 * j + 1, 0);
            for (int k = 0; k < LANES; k++) {
                int low = 0;
                int high = 0;
                for (int m = 0; m < 4; m++) {
                    int l = 4 * k + m;
                    low += q5(w, block, j, l, false) * xq[xOff + 64 * j + l];
                    high += q5(w, block, j, l, true) * xq[xOff + 64 * j + 32 + l];
                }
                lanes[k] += scLow * low + scHigh * high;
            }
        }
    }

    @Override
    protected void addMinimums(MemorySegment w, long block, float xd, float[] bsums, int bsumOff, float[] acc,
                               float[] minLanes) {
        float dmin = -xd * f16(w, block + 2);
        int total = 0;
        for (int s = 0; s < 8; s++) {
            int sum = (int) (bsums[bsumOff + 2 * s] + bsums[bsumOff + 2 * s + 1]);
            total += Q4_KKernel.scaleMin(w, block + 4, s, 1) * sum;
        }
        minLanes[0] += dmin * total;
    }

    @Override
    protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
        float d = f16(w, block);
        float dmin = f16(w, block + 2);
        for (int j = 0; j < 4; j++) {
            float d1 = d * Q4_KKernel.scaleMin(w, block + 4, 2 * j, 0);
            float m1 = dmin * Q4_KKernel.scaleMin(w, block + 4, 2 * j, 1);
            float d2 = d * Q4_KKernel.scaleMin(w, block + 4, 2 * j + 1, 0);
            float m2 = dmin * Q4_KKernel.scaleMin(w, block + 4, 2 * j + 1, 1);
            int o = off + 64 * j;
            for (int l = 0; l < 32; l++) {
                dst[o + l] = d1 * q5(w, block, j, l, false) - m1;
                dst[o + 32 + l] = d2 * q5(w, block, j, l, true) - m2;
            }
        }
    }
}
