package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jllm.kernels.GgmlType;

/** Q8_0: an F16 scale d, then 32 int8 values q; weight = d * q. */
public class Q8_0Kernel extends Q8BlockKernel {
    public Q8_0Kernel() {
        super(GgmlType.Q8_0, false);
    }

    @Override
    protected void unpack(MemorySegment w, long block, int[] q) {
        for (int j = 0; j < BLOCK; j++) {
            q[j] = w.get(ValueLayout.JAVA_BYTE, block + 2 + j);
        }
    }
}
