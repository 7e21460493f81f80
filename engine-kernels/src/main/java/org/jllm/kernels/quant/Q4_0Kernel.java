package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jllm.kernels.GgmlType;

/**
 * Q4_0: an F16 scale d, then 16 bytes of 4-bit values; byte j holds value j in its low nibble and value j + 16 in its
 * high nibble; weight = d * (nibble - 8).
 */
public class Q4_0Kernel extends Q8BlockKernel {
    public Q4_0Kernel() {
        super(GgmlType.Q4_0, false);
    }

    @Override
    protected void unpack(MemorySegment w, long block, int[] q) {
        for (int j = 0; j < 16; j++) {
            int b = w.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xff;
            q[j] = (b & 0x0f) - 8;
            q[j + 16] = (b >>> 4) - 8;
        }
    }

    @Override
    public boolean hasInt16Blocks() {
        return true;
    }

    @Override
    public void int16Row(MemorySegment w, int cols, long row, int[] pairs, int pairsOff, float[] scales,
                         int scalesOff) {
        int blocks = cols / BLOCK;
        long base = row * blocks * blockBytes();
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * blockBytes();
            scales[scalesOff + b] = scale(w, off);
            for (int j = 0; j < 16; j++) {
                int v = w.get(ValueLayout.JAVA_BYTE, off + 2 + j) & 0xff;
                pairs[pairsOff + b * BLOCK + j] = pair((v & 0x0f) - 8);
                pairs[pairsOff + b * BLOCK + j + 16] = pair((v >>> 4) - 8);
            }
        }
    }

    /** v in both 16-bit halves of an int. */
    public static int pair(int v) {
        return (v & 0xffff) | (v << 16);
    }
}
