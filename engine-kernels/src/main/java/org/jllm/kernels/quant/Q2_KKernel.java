package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.GgmlType;

/**
 * Q2_K: 16 bytes of (4-bit scale | 4-bit minimum << 4), one per 16 values; 64 bytes of 2-bit values; F16 d and dmin.
 * Value 128n + 32j + l (l < 32) is bits 2j..2j+1 of qs[32n + l]; weight = d * scale_g * q - dmin * min_g. llama.cpp
 * FMAs the minimums into the same 8 lanes, before the values.
 */
public class Q2_KKernel extends UnpackedKQuantKernel {
    public Q2_KKernel() {
        super(GgmlType.Q2_K, 80);
    }

    @Override
    protected void unpack(MemorySegment w, long block, int[] values, int[] scales) {
        for (int v = 0; v < BLOCK; v++) {
            values[v] = twoBits(w, block + 16, v);
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
