package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;

/**
 * Q4_K: super-blocks of 256 = 8 sub-blocks of 32. Layout: F16 d, F16 dmin, 12 bytes packing 8 six-bit scales and 8
 * six-bit minimums, 128 bytes of nibbles (each 32 bytes hold sub-block 2j in their low and 2j+1 in their high
 * nibbles); weight = d * scale_s * q - dmin * min_s.
 */
public class Q4_KKernel extends Q8KBlockKernel {
    public Q4_KKernel() {
        super(GgmlType.Q4_K, 0);
    }

    /** Six-bit scale (which = 0) or minimum (which = 1) of sub-block s, from the 12 packed bytes at {@code at}. */
    public static int scaleMin(MemorySegment w, long at, int s, int which) {
        if (s < 4) {
            return u8(w, at + s + 4L * which) & 63;
        }
        int low = which == 0 ? u8(w, at + s + 4) & 0x0f : u8(w, at + s + 4) >>> 4;
        int high = u8(w, at + s - 4L + 4L * which) >>> 6;
        return low | high << 4;
    }

    @Override
    protected void laneSums(MemorySegment w, long block, Activations x, int xOff, int[] lanes) {
        byte[] xq = x.quants();
        java.util.Arrays.fill(lanes, 0);
        for (int j = 0; j < 4; j++) {
            int scLow = scaleMin(w, block + 4, 2 * j, 0);
            int scHigh = scaleMin(w, block + 4, 2 * j + 1, 0);
            long qs = block + 16 + 32L * j;
            for (int k = 0; k < LANES; k++) {
                int low = 0;
                int high = 0;
                for (int m = 0; m < 4; m++) {
                    int i = 4 * k + m;
                    int b = u8(w, qs + i);
                    low += (b & 0x0f) * xq[xOff + 64 * j + i];
                    high += (b >>> 4) * xq[xOff + 64 * j + 32 + i];
                }
                lanes[k] += scLow * low + scHigh * high;
            }
        }
    }

    @Override
    protected void addMinimums(MemorySegment w, long block, float xd, float[] bsums, int bsumOff, float[] acc,
                               float[] minLanes) {
        float dmin = -xd * f16(w, block + 2);
        for (int i = 0; i < 4; i++) {
            int s0 = 2 * i;
            int s1 = 2 * i + 1;
            int sum0 = (int) (bsums[bsumOff + 2 * s0] + bsums[bsumOff + 2 * s0 + 1]);
            int sum1 = (int) (bsums[bsumOff + 2 * s1] + bsums[bsumOff + 2 * s1 + 1]);
            int prod = scaleMin(w, block + 4, s0, 1) * sum0 + scaleMin(w, block + 4, s1, 1) * sum1;
            minLanes[i] = Math.fma(dmin, (float) prod, minLanes[i]);
        }
    }

    @Override
    protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
        float d = f16(w, block);
        float dmin = f16(w, block + 2);
        for (int j = 0; j < 4; j++) {
            float d1 = d * scaleMin(w, block + 4, 2 * j, 0);
            float m1 = dmin * scaleMin(w, block + 4, 2 * j, 1);
            float d2 = d * scaleMin(w, block + 4, 2 * j + 1, 0);
            float m2 = dmin * scaleMin(w, block + 4, 2 * j + 1, 1);
            long qs = block + 16 + 32L * j;
            int o = off + 64 * j;
            for (int l = 0; l < 32; l++) {
                int q = u8(w, qs + l);
                dst[o + l] = d1 * (q & 0x0f) - m1;
                dst[o + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }
}
