package org.jllm.kernels.quant;

import org.jllm.kernels.Numbers;

/**
 * Float super-blocks of 256 values to Q4_K and Q6_K, by the search ggml's reference quantizers run without an
 * importance matrix (what {@code llama-quantize} does by default): per sub-block a least-squares scale (and minimum)
 * chosen among a few candidate grids, then the sub-block scales themselves quantized to 6 or 8 bits under an F16
 * super-block scale, and the values requantized against the final scales. The arithmetic is float, in C's order;
 * a C compiler may fuse some multiply-adds, so bytes are not guaranteed to be llama-quantize's (on the synthetic
 * reference model they are identical), but the error is.
 */
final class KQuantizers {
    /** Scales below this treat a group as all zeros (ggml's GROUP_MAX_EPS). */
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantizers() {
    }

    /** ggml's nearest_int: round half to even (exact for |v| < 2^22). */
    private static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /**
     * One Q4_K super-block (144 bytes: d, dmin, 12 bytes of 6-bit scales and minimums, 128 bytes of nibbles) from
     * {@code x[xo..xo+256)}.
     */
    static void q4_K(float[] x, int xo, byte[] out, int o) {
        byte[] levels = new byte[256];
        byte[] aux = new byte[32];
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int at = xo + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[at + l] * x[at + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[at + l]);
            }
            scales[j] = scaleAndMinimum(15, x, at, weights, levels, 32 * j, mins, j, aux);
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] packed = new byte[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xff);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xff);
            if (j < 4) {
                packed[j] = (byte) ls;
                packed[j + 4] = (byte) lm;
            } else {
                packed[j + 4] = (byte) ((ls & 0xf) | ((lm & 0xf) << 4));
                packed[j - 4] |= (byte) ((ls >> 4) << 6);
                packed[j] |= (byte) ((lm >> 4) << 6);
            }
        }
        short dBits = Numbers.floatToF16(maxScale / 63f);
        short dminBits = Numbers.floatToF16(maxMin / 63f);
        float d = Numbers.f16ToFloat(dBits);
        float dmin = Numbers.f16ToFloat(dminBits);
        for (int j = 0; j < 8; j++) {
            int sc;
            int m;
            if (j < 4) {
                sc = packed[j] & 63;
                m = packed[j + 4] & 63;
            } else {
                sc = (packed[j + 4] & 0xf) | (((packed[j - 4] & 0xff) >> 6) << 4);
                m = ((packed[j + 4] & 0xff) >> 4) | (((packed[j] & 0xff) >> 6) << 4);
            }
            float dj = d * sc;
            if (dj == 0) {
                continue;
            }
            float dm = dmin * m;
            for (int i = 0; i < 32; i++) {
                int l = nearestInt((x[xo + 32 * j + i] + dm) / dj);
                levels[32 * j + i] = (byte) Math.max(0, Math.min(15, l));
            }
        }
        putShort(out, o, dBits);
        putShort(out, o + 2, dminBits);
        System.arraycopy(packed, 0, out, o + 4, 12);
        int q = o + 16;
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; l++) {
                out[q + l] = (byte) (levels[j + l] | (levels[j + l + 32] << 4));
            }
            q += 32;
        }
    }

    /**
     * ggml's make_qkx2_quants for {@code n = 32} values: levels 0..nmax with a scale and a non-positive minimum,
     * fitted by weighted least squares over 21 candidate grids (rmin -1, rdelta 0.1, 20 steps, squared error).
     * Writes the levels to {@code levels[lo..]} and minus the minimum to {@code mins[mi]}; returns the scale.
     */
    private static float scaleAndMinimum(int nmax, float[] x, int xo, float[] weights, byte[] levels, int lo,
                                         float[] mins, int mi, byte[] aux) {
        int n = 32;
        float rmin = -1f;
        float rdelta = 0.1f;
        int nstep = 20;
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            min = Math.min(min, x[xo + i]);
            max = Math.max(max, x[xo + i]);
            float w = weights[i];
            sumW += w;
            sumX += w * x[xo + i];
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            java.util.Arrays.fill(levels, lo, lo + n, (byte) 0);
            mins[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
            levels[lo + i] = (byte) l;
            float diff = scale * l + min - x[xo + i];
            bestError += weights[i] * (diff * diff);
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                aux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    error += weights[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, levels, lo, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[mi] = -min;
        return scale;
    }

    /**
     * One Q6_K super-block (210 bytes: 128 bytes of low nibbles, 64 of high bit pairs, 16 signed 8-bit scales, F16
     * d) from {@code x[xo..xo+256)}.
     */
    static void q6_K(float[] x, int xo, byte[] out, int o) {
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = symmetricScale(32, x, xo + 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        java.util.Arrays.fill(out, o, o + 210, (byte) 0);
        if (maxAbsScale < GROUP_MAX_EPS) {
            return; // all zeros, d = 0
        }
        float iscale = -128f / maxScale;
        short dBits = Numbers.floatToF16(1 / iscale);
        float d = Numbers.f16ToFloat(dBits);
        byte[] sc = new byte[16];
        int[] levels = new int[256];
        for (int ib = 0; ib < 16; ib++) {
            sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        }
        for (int j = 0; j < 16; j++) {
            float dj = d * sc[j];
            if (dj == 0) {
                continue; // levels stay 0 (value -32), as ggml leaves them from its scale search
            }
            for (int i = 0; i < 16; i++) {
                int l = nearestInt(x[xo + 16 * j + i] / dj);
                levels[16 * j + i] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        int ql = o;
        int qh = o + 128;
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = levels[j + l] & 0xf;
                int q2 = levels[j + l + 32] & 0xf;
                int q3 = levels[j + l + 64] & 0xf;
                int q4 = levels[j + l + 96] & 0xf;
                out[ql + l] = (byte) (q1 | (q3 << 4));
                out[ql + l + 32] = (byte) (q2 | (q4 << 4));
                out[qh + l] = (byte) ((levels[j + l] >> 4) | ((levels[j + l + 32] >> 4) << 2)
                        | ((levels[j + l + 64] >> 4) << 4) | ((levels[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
        System.arraycopy(sc, 0, out, o + 192, 16);
        putShort(out, o + 208, dBits);
    }

    /**
     * ggml's make_qx_quants for 16 values with weights x^2 (rmse_type 1): the best least-squares scale of the
     * symmetric grid -nmax..nmax-1 over 19 candidate grids.
     */
    private static float symmetricScale(int nmax, float[] x, int xo) {
        int n = 16;
        float max = Numbers.largestMagnitude(x, xo, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
            float w = x[xo + i] * x[xo + i];
            sumLX += w * x[xo + i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                float w = x[xo + i] * x[xo + i];
                sumLX += w * x[xo + i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    private static void putShort(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
    }
}
