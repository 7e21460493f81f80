package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.GgmlType;

/**
 * Q3_K: 32 bytes hmask, 64 bytes of 2-bit values, 12 bytes packing 16 six-bit scales, F16 d. Value
 * 128n + 32j + l (l < 32) is bits 2j..2j+1 of qs[32n + l], minus 4 unless bit 4n + j of hmask[l] is set;
 * weight = d * (scale_g - 32) * q.
 */
public class Q3_KKernel extends UnpackedKQuantKernel {
    public Q3_KKernel() {
        super(GgmlType.Q3_K, 108);
    }

    @Override
    protected void unpack(MemorySegment w, long block, int[] values, int[] scales) {
        for (int v = 0; v < BLOCK; v++) {
            // hmask byte l (= v % 32) holds the high bit of value v at bit 4n + j, n = v / 128, j = (v % 128) / 32.
            boolean high = ((u8(w, block + v % 32) >>> (4 * (v / 128) + (v % 128) / 32)) & 1) != 0;
            values[v] = high ? twoBits(w, block + 32, v) : twoBits(w, block + 32, v) - 4;
        }
        for (int s = 0; s < 16; s++) {
            scales[s] = groupScale(w, block, s);
        }
    }

    /** The signed scale (six bits - 32) of group s of 16 values. */
    public static int groupScale(MemorySegment w, long block, int s) {
        int low = s < 8 ? u8(w, block + 96 + s) & 0x0f : u8(w, block + 96 + s - 8) >>> 4;
        int high = (u8(w, block + 104 + s % 4) >>> (2 * (s / 4))) & 3;
        return (low | high << 4) - 32;
    }

}
