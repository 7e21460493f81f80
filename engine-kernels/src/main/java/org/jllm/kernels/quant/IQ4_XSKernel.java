package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;

/**
 * IQ4_XS: F16 d, 2 bytes of scale high bits, 4 bytes of scale low nibbles, 128 bytes of nibbles: 8 blocks of 32 laid
 * out as IQ4_NL's (low nibbles first) with the same 16 non-linear levels, each block with a six-bit scale s;
 * weight = d * (s - 32) * level.
 */
public class IQ4_XSKernel extends Q8KBlockKernel {
    public IQ4_XSKernel() {
        super(GgmlType.IQ4_XS, 0);
    }

    /** The signed scale (s - 32) of block {@code ib} of 32. */
    public static int blockScale(MemorySegment w, long block, int ib) {
        int low = (u8(w, block + 4 + ib / 2) >>> (4 * (ib % 2))) & 0x0f;
        int high = (w.get(I16, block + 2) >>> (2 * ib)) & 3;
        return (low | high << 4) - 32;
    }

    private static int value(MemorySegment w, long block, int v) {
        int ib = v / 32;
        int j = v % 32;
        int b = u8(w, block + 8 + 16L * ib + j % 16);
        return IQ4_NLKernel.LEVELS[j < 16 ? b & 0x0f : b >>> 4];
    }

    @Override
    protected void laneSums(MemorySegment w, long block, Activations x, int xOff, int[] lanes) {
        byte[] xq = x.quants();
        java.util.Arrays.fill(lanes, 0);
        for (int ib = 0; ib < 8; ib++) {
            int ls = blockScale(w, block, ib);
            for (int k = 0; k < LANES; k++) {
                int sum = 0;
                for (int m = 0; m < 4; m++) {
                    int v = 32 * ib + 4 * k + m;
                    sum += value(w, block, v) * xq[xOff + v];
                }
                lanes[k] += ls * sum;
            }
        }
    }

    @Override
    protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
        float d = scale(w, block);
        for (int v = 0; v < BLOCK; v++) {
            dst[off + v] = d * blockScale(w, block, v / 32) * value(w, block, v);
        }
    }
}
