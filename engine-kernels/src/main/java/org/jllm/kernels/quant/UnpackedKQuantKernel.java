package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;

/**
 * K-quants whose super-block is simplest read by unpacking all 256 values and 16 group scales at once (Q2_K, Q3_K):
 * weight = d * scale_g * q - minimum(g).
 */
abstract class UnpackedKQuantKernel extends Q8KBlockKernel {

    protected UnpackedKQuantKernel(GgmlType type, int scaleOffset) {
        super(type, scaleOffset);
    }

    /**
     * The 2-bit field of value v in the 64 bytes at {@code qsAt}: value 128n + 32j + l is bits 2j..2j+1 of byte
     * 32n + l (Q2_K, Q3_K).
     */
    protected static int twoBits(MemorySegment w, long qsAt, int v) {
        return (u8(w, qsAt + 32L * (v / 128) + v % 32) >>> (2 * ((v % 128) / 32))) & 3;
    }

    /** Writes the 256 integer values and the 16 integer group scales of the super-block at {@code block}. */
    protected abstract void unpack(MemorySegment w, long block, int[] values, int[] scales);

    /** The float subtracted from every weight of group {@code g} (0 for types without minimums). */
    protected float groupMinimum(MemorySegment w, long block, int g) {
        return 0f;
    }

    @Override
    protected void laneSums(MemorySegment w, long block, Activations x, int xOff, int[] lanes) {
        Scratch scratch = Scratch.get();
        int[] values = scratch.values;
        int[] scales = scratch.scales;
        unpack(w, block, values, scales);
        chunkLaneSums(x.quants(), xOff, values, scales, lanes);
    }

    @Override
    protected void dequantizeBlock(MemorySegment w, long block, float[] dst, int off) {
        Scratch scratch = Scratch.get();
        int[] values = scratch.values;
        int[] scales = scratch.scales;
        unpack(w, block, values, scales);
        float d = scale(w, block);
        for (int v = 0; v < BLOCK; v++) {
            dst[off + v] = d * scales[v / 16] * values[v] - groupMinimum(w, block, v / 16);
        }
    }
}
