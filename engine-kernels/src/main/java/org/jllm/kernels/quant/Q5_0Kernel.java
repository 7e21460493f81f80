package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jllm.kernels.GgmlType;

/**
 * Q5_0: an F16 scale d, 4 bytes qh holding the fifth bit of each value (bit j for value j), then nibbles laid out as
 * Q4_0's; weight = d * ((nibble | fifth bit << 4) - 16).
 */
public class Q5_0Kernel extends Q8BlockKernel {
    public Q5_0Kernel() {
        super(GgmlType.Q5_0, false);
    }

    @Override
    protected void unpack(MemorySegment w, long block, int[] q) {
        unpack5(w, block + 2, block + 6, q, 16);
    }

    /** Five-bit values from qh at {@code qhAt} and nibbles at {@code qsAt}, minus {@code offset}. */
    static void unpack5(MemorySegment w, long qhAt, long qsAt, int[] q, int offset) {
        int qh = w.get(I32, qhAt);
        for (int j = 0; j < 16; j++) {
            int b = w.get(ValueLayout.JAVA_BYTE, qsAt + j) & 0xff;
            q[j] = ((b & 0x0f) | ((qh >>> j) & 1) << 4) - offset;
            q[j + 16] = ((b >>> 4) | ((qh >>> (j + 16)) & 1) << 4) - offset;
        }
    }
}
