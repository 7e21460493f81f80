package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.GgmlType;

/**
 * Q2_K: 16 bytes of (4-bit scale | 4-bit minimum << 4), one per 16 values; 64 bytes of 2-bit values; F16 d and dmin.
 * Value 128n + 32j + l (l < 32) is bits 2j..2j+1 of qs[32n + l]; weight = d * scale_g * q - dmin * min_g. llama.cpp
 * FMAs the minimums into the same 8 lanes, before the values.
 */
public class Q2_KKernel extends UnpackedKQuantKernel {
    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    protected float scale(MemorySegment w, long block) {
        return f16(w, block + 80);
    }

    @Override
    protected void unpack(MemorySegment w, long block, int[] values, int[] scales) {
        for (int v = 0; v < BLOCK; v++) {
            int n = v / 128;
            int j = (v % 128) / 32;
            int l = v % 32;
            values[v] = (u8(w, block + 16 + 32L * n + l) >>> (2 * j)) & 3;
        }
        for (int g = 0; g < 16; g++) {
            scales[g] = u8(w, block + g) & 0x0f;
        }
    }

    @Override
    protected void addMinimums(MemorySegment w, long block, float xd, float[] bsums, int bsumOff, float[] acc,
                               float[] minLanes) {
        float dmin = -xd * f16(w, block + 82);
        for (int k = 0; k < LANES; k++) {
            int prod = (u8(w, block + 2 * k) >>> 4) * (int) bsums[bsumOff + 2 * k]
                    + (u8(w, block + 2 * k + 1) >>> 4) * (int) bsums[bsumOff + 2 * k + 1];
            acc[k] = Math.fma(dmin, (float) prod, acc[k]);
        }
    }

    @Override
    protected float groupMinimum(MemorySegment w, long block, int g) {
        return f16(w, block + 82) * (u8(w, block + g) >>> 4);
    }
}
