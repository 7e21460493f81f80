package org.jllm.runtime;

import org.jllm.kernels.FloatTrig;

/**
 * Rotary position embedding on adjacent pairs (x[2i], x[2i+1]) of each head's first {@code ropeDim} values: the
 * "normal" RoPE llama.cpp applies to {@code llama} models, whose Q/K rows the converter stored permuted so that this
 * equals the Hugging Face rotate-half form. Everything follows llama.cpp's float arithmetic to the last bit: the angle
 * recurrence (theta *= base^(-2/ropeDim) in float), the C library's cosf/sinf of it ({@link FloatTrig}), and the
 * rotation as its compiled code contracts it into fused multiply-adds.
 */
public final class Rope {
    private final int ropeDim;
    private final float[] cos;
    private final float[] sin;

    public Rope(int ropeDim) {
        this.ropeDim = ropeDim;
        this.cos = new float[ropeDim / 2];
        this.sin = new float[ropeDim / 2];
    }

    /**
     * Computes the angles for {@code pos}.
     *
     * @param freqScale   linear position scaling (1 for none)
     * @param freqFactors per-pair divisors of the angle, or null
     */
    public void setPosition(int pos, float freqBase, float freqScale, float[] freqFactors) {
        float thetaScale = (float) Math.pow(freqBase, -2.0f / ropeDim);
        float theta = pos;
        for (int i = 0; i < ropeDim / 2; i++) {
            float t = freqScale * (freqFactors == null ? theta : theta / freqFactors[i]);
            cos[i] = FloatTrig.cos(t);
            sin[i] = FloatTrig.sin(t);
            theta *= thetaScale;
        }
    }

    /** Rotates each of {@code heads} heads of {@code headDim} values in {@code x} in place. */
    public void rotate(float[] x, int heads, int headDim) {
        for (int h = 0; h < heads; h++) {
            int base = h * headDim;
            for (int i = 0; i < ropeDim / 2; i++) {
                float x0 = x[base + 2 * i];
                float x1 = x[base + 2 * i + 1];
                x[base + 2 * i] = Math.fma(x0, cos[i], -(x1 * sin[i]));
                x[base + 2 * i + 1] = Math.fma(x0, sin[i], x1 * cos[i]);
            }
        }
    }
}
