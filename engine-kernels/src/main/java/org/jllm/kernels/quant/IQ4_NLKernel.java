package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jllm.kernels.GgmlType;

/**
 * IQ4_NL: Q4_0's layout (F16 scale, 16 bytes of nibbles, low nibbles first), but each nibble indexes a fixed
 * non-linear table of 16 int8 levels; weight = d * table[nibble]. Dot products as Q4_0's (measured: llama.cpp b4748
 * sums this type with one set of 8 lanes, bit for bit).
 */
public class IQ4_NLKernel extends Q8BlockKernel {
    public IQ4_NLKernel() {
        super(GgmlType.IQ4_NL, false);
    }

    /** The 16 levels of ggml's {@code kvalues_iq4nl}. */
    public static final int[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    @Override
    protected void unpack(MemorySegment w, long block, int[] q) {
        for (int j = 0; j < 16; j++) {
            int b = w.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xff;
            q[j] = LEVELS[b & 0x0f];
            q[j + 16] = LEVELS[b >>> 4];
        }
    }
}
