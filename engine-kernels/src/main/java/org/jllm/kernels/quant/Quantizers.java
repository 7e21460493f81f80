package org.jllm.kernels.quant;

import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Numbers;

/**
 * Float rows to ggml block layouts, computed as ggml's reference quantizers ({@code quantize_row_*_ref}, what
 * {@code llama-quantize} runs without an importance matrix), so the bytes are identical: the same float operations
 * in the same order, C's truncating float-to-int conversions and {@code roundf}, scales rounded to F16 to nearest
 * even. Q4_K and Q6_K follow ggml's search for their scales ({@link KQuantizers}).
 */
public final class Quantizers {
    private Quantizers() {
    }

    /** Whether {@link #quantizeRow} can write {@code type}. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Writes {@code x[xOff..xOff+n)} as {@code type} blocks into {@code out} at {@code outOff}. */
    public static void quantizeRow(GgmlType type, float[] x, int xOff, int n, byte[] out, int outOff) {
        if (n % type.blockSize() != 0) {
            throw new IllegalArgumentException(n + " values are not a whole number of " + type + " blocks of "
                    + type.blockSize());
        }
        int blocks = n / type.blockSize();
        int bb = type.bytesPerBlock();
        for (int b = 0; b < blocks; b++) {
            int xo = xOff + b * type.blockSize();
            int o = outOff + b * bb;
            switch (type) {
                case F32 -> putInt(out, o, Float.floatToRawIntBits(x[xo]));
                case F16 -> putShort(out, o, Numbers.floatToF16(x[xo]));
                case BF16 -> putShort(out, o, Numbers.floatToBf16(x[xo]));
                case Q8_0 -> q8_0(x, xo, out, o);
                case Q4_0 -> q4_0(x, xo, out, o);
                case Q4_1 -> q4_1(x, xo, out, o);
                case Q5_0 -> q5_0(x, xo, out, o);
                case Q5_1 -> q5_1(x, xo, out, o);
                case Q4_K -> KQuantizers.q4_K(x, xo, out, o);
                case Q6_K -> KQuantizers.q6_K(x, xo, out, o);
                default -> throw new UnsupportedOperationException("no quantizer for " + type + " yet");
            }
        }
    }

    private static void q8_0(float[] x, int xo, byte[] out, int o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, o, Numbers.floatToF16(d));
        for (int j = 0; j < 32; j++) {
            out[o + 2 + j] = (byte) roundf(x[xo + j] * id);
        }
    }

    /** The value of largest magnitude, sign kept (the first one on ties), as ggml's symmetric 4/5-bit types. */
    private static float signedMax(float[] x, int xo) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    private static void q4_0(float[] x, int xo, byte[] out, int o) {
        float d = signedMax(x, xo) / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, o, Numbers.floatToF16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, toInt8(x[xo + j] * id + 8.5f));
            int hi = Math.min(15, toInt8(x[xo + 16 + j] * id + 8.5f));
            out[o + 2 + j] = (byte) ((lo & 0xff) | (hi << 4));
        }
    }

    private static void q4_1(float[] x, int xo, byte[] out, int o) {
        float min = min(x, xo);
        float d = (max(x, xo) - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, o, Numbers.floatToF16(d));
        putShort(out, o + 2, Numbers.floatToF16(min));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, toInt8((x[xo + j] - min) * id + 0.5f));
            int hi = Math.min(15, toInt8((x[xo + 16 + j] - min) * id + 0.5f));
            out[o + 4 + j] = (byte) ((lo & 0xff) | (hi << 4));
        }
    }

    private static void q5_0(float[] x, int xo, byte[] out, int o) {
        float d = signedMax(x, xo) / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, o, Numbers.floatToF16(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int x0 = Math.min(31, toInt8(x[xo + j] * id + 16.5f)) & 0xff;
            int x1 = Math.min(31, toInt8(x[xo + 16 + j] * id + 16.5f)) & 0xff;
            out[o + 6 + j] = (byte) ((x0 & 0x0f) | ((x1 & 0x0f) << 4));
            qh |= ((x0 & 0x10) >>> 4) << j;
            qh |= ((x1 & 0x10) >>> 4) << (j + 16);
        }
        putInt(out, o + 2, qh);
    }

    private static void q5_1(float[] x, int xo, byte[] out, int o) {
        float min = min(x, xo);
        float d = (max(x, xo) - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, o, Numbers.floatToF16(d));
        putShort(out, o + 2, Numbers.floatToF16(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int x0 = toUint8((x[xo + j] - min) * id + 0.5f);
            int x1 = toUint8((x[xo + 16 + j] - min) * id + 0.5f);
            out[o + 8 + j] = (byte) ((x0 & 0x0f) | ((x1 & 0x0f) << 4));
            qh |= ((x0 & 0x10) >>> 4) << j;
            qh |= ((x1 & 0x10) >>> 4) << (j + 16);
        }
        putInt(out, o + 4, qh);
    }

    private static float min(float[] x, int xo) {
        float min = Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = x[xo + j] < min ? x[xo + j] : min;
        }
        return min;
    }

    private static float max(float[] x, int xo) {
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            max = x[xo + j] > max ? x[xo + j] : max;
        }
        return max;
    }

    /** C's {@code (int8_t) f} for the in-range values these quantizers produce: truncation toward zero. */
    private static int toInt8(float f) {
        return (byte) (int) f;
    }

    /** C's {@code (uint8_t) f}: truncation toward zero. */
    private static int toUint8(float f) {
        return ((int) f) & 0xff;
    }

    /** C's {@code roundf}: halves away from zero. */
    private static float roundf(float v) {
        return (float) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    private static void putShort(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
    }

    private static void putInt(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
        b[o + 2] = (byte) (v >> 16);
        b[o + 3] = (byte) (v >> 24);
    }
}
