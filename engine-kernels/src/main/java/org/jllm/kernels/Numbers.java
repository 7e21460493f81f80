package org.jllm.kernels;

/** Conversions between float and the 16-bit float formats, rounding as ggml does (to nearest, ties to even). */
public final class Numbers {
    private Numbers() {
    }

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short floatToF16(float v) {
        return Float.floatToFloat16(v);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round to nearest even; NaN stays a (quiet) NaN, as ggml's {@code ggml_compute_fp32_to_bf16}. */
    public static short floatToBf16(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    public static float roundToF16(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    public static float roundToBf16(float v) {
        return bf16ToFloat(floatToBf16(v));
    }

    /** The value of largest magnitude in {@code x[off..off+n)} (the first such), 0 when all are 0: ggml's "max". */
    public static float largestMagnitude(float[] x, int off, int n) {
        float max = 0f;
        float amax = 0f;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[off + i]);
            if (ax > amax) {
                amax = ax;
                max = x[off + i];
            }
        }
        return max;
    }
}
