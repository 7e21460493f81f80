package org.jllm.kernels;

/**
 * e^x as llama.cpp's CPU backend computes it in softmax and SiLU on AVX-512 ({@code ggml_v_expf}): n = x / ln 2
 * rounded, b = x - n ln 2 in two FMA steps, a degree-5 polynomial for e^b, scaled by 2^n with one rounding. Its
 * error is under 2 ulp; using the same formula (the published constants, the same FMA order) makes attention
 * probabilities and SiLU outputs round as llama.cpp's do, so F16/BF16 activation roundings downstream do too.
 * The vector kernels compute the identical formula lane-wise.
 */
public final class Exp {
    public static final float ROUNDER = 0x1.8p23f;
    public static final float LOG2E = 0x1.715476p+0f;
    public static final float LN2_HI = 0x1.62e4p-1f;
    public static final float LN2_LO = 0x1.7f7d1cp-20f;
    public static final float C1 = 0x1.ffffecp-1f;
    public static final float C2 = 0x1.fffdb6p-2f;
    public static final float C3 = 0x1.555e66p-3f;
    public static final float C4 = 0x1.573e2ep-5f;
    public static final float C5 = 0x1.0e4020p-7f;
    /** Beyond |n| = 192 the result is 0 or infinity. */
    public static final float LIMIT = 192f;

    private Exp() {
    }

    public static float exp(float x) {
        float z = Math.fma(x, LOG2E, ROUNDER);
        float n = z - ROUNDER;
        float b = Math.fma(-n, LN2_LO, Math.fma(-n, LN2_HI, x));
        if (Math.abs(n) > LIMIT) {
            return n > 0 ? Float.POSITIVE_INFINITY : 0f;
        }
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(C5, b, C4), u, Math.fma(C3, b, C2)), u, Math.fma(C1, b, 1f));
        return Math.scalb(j, (int) n);
    }
}
