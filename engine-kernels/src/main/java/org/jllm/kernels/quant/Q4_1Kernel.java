package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jllm.kernels.GgmlType;

/** Q4_1: F16 scale d and minimum m, then 16 bytes of nibbles laid out as Q4_0's; weight = d * nibble + m. */
public class Q4_1Kernel extends Q8BlockKernel {
    public Q4_1Kernel() {
        super(GgmlType.Q4_1, true);
    }

    @Override
    protected void unpack(MemorySegment w, long block, int[] q) {
        for (int j = 0; j < 16; j++) {
            int b = w.get(ValueLayout.JAVA_BYTE, block + 4 + j) & 0xff;
            q[j] = b & 0x0f;
            q[j + 16] = b >>> 4;
        }
    }
}
