package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.GgmlType;

/** Q5_1: F16 scale d and minimum m, qh and nibbles as Q5_0's; weight = d * (nibble | fifth bit << 4) + m. */
public class Q5_1Kernel extends Q8BlockKernel {
    public Q5_1Kernel() {
        super(GgmlType.Q5_1, true);
    }

    @Override
    protected void unpack(MemorySegment w, long block, int[] q) {
        Q5_0Kernel.unpack5(w, block + 4, block + 8, q, 0);
    }
}
