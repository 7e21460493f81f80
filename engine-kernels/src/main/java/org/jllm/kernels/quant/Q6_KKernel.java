package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;

/**
 * Q6_K: super-blocks of 256 = 16 groups of 16 with int8 scales. Layout: 128 bytes ql (low 4 bits), 64 bytes qh (high
 * 2 bits), 16 int8 scales, F16 d. Each half of 128 values takes 64 ql and 32 qh bytes: value 32t + l (t < 4, l < 32)
 * has ql[l + 32 (t & 1)] (low nibble for t < 2, high for t >= 2) and bits 2t..2t+1 of qh[l];
 * weight = d * scale_g * (q - 32).
 */
public class Q6_KKernel extends Q8KBlockKernel {
    public Q6_KKernel() {
        super(GgmlType.Q6_K, 208);
    }

    /** The 6-bit value (0..63) of value {@code 32t + l} in half {@code h} of the super-block. */
    private static int q6(MemorySegment w, long block, int h, int t, int l) {
        int ql = u8(w, block + 64L * h + l + 32L * (t & 1));
        int low = t < 2 ? ql & 0x0f : ql >>> 4;
        int high = (u8(w, block + 128 + 32L * h + l) >>> (2 * t)) & 3;
        return low | high << 4;
    }

    /** The int8 scale of group {@code group} of 16 values. */
    public static int scaleOf(MemorySegment w, long block, int group) {
        return w.get(ValueLayout.JAVA_BYTE, block + 192 + group);
    }

    @Override
    protected void laneSums(MemorySegment w, long block, Activations x, int xOff, int[] lanes) {
        byte[] xq = x.quants();
        java.util.Arrays.fill(lanes, 0);
        for (int h = 0; h < 2; h++) {
            for (int t = 0; t < 4; t++) {
                int chunk = 128 * h + 32 * t;
                for (int k = 0; k < LANES; k++) {
                    int sum = 0;
                    for (int m = 0; m < 4; m++) {
                        int l = 4 * k + m;
                        sum += (q6(w, block, h, t, l) - 32) * xq[xOff + chunk + l];
                    }
                    lanes[k] += scaleOf(w, block, chunk / 16 + (k < 4 ? 0 : 1)) * sum;
                }
            }
        }
    }

    @Override
    protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
        float d = scale(w, block);
        for (int h = 0; h < 2; h++) {
            for (int t = 0; t < 4; t++) {
                for (int l = 0; l < 32; l++) {
                    int i = 128 * h + 32 * t + l;
                    dst[off + i] = d * scaleOf(w, block, i / 16) * (q6(w, block, h, t, l) - 32);
                }
            }
        }
    }
}
