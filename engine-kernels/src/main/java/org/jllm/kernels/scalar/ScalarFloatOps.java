package org.jllm.kernels.scalar;

import org.jllm.kernels.Exp;
import org.jllm.kernels.FloatOps;

/** Plain-Java reference implementation of {@link FloatOps}. */
public final class ScalarFloatOps implements FloatOps {

    /** Summed in the orders {@link FloatOps} describes, so the scalar and vector paths give the same bits. */
    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (n % 16 != 0) {
            return dotInSteps(a, aOff, b, bOff, n);
        }
        float[] acc = new float[16];
        for (int i = 0; i < n; i += 16) {
            fmaBlock(a, aOff + i, b, bOff + i, acc);
        }
        return halvingSum(acc);
    }

    @Override
    public float dotInSteps(float[] a, int aOff, float[] b, int bOff, int n) {
        float[][] acc = new float[4][16];
        int i = 0;
        for (int bound = n - n % 64; i < bound; i += 64) {
            for (int k = 0; k < 4; k++) {
                fmaBlock(a, aOff + i + 16 * k, b, bOff + i + 16 * k, acc[k]);
            }
        }
        for (int j = 0; j < 16; j++) {
            acc[0][j] = (acc[0][j] + acc[2][j]) + (acc[1][j] + acc[3][j]);
        }
        float sum = halvingSum(acc[0]);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    private static void fmaBlock(float[] a, int aOff, float[] b, int bOff, float[] acc) {
        for (int j = 0; j < 16; j++) {
            acc[j] = Math.fma(a[aOff + j], b[bOff + j], acc[j]);
        }
    }

    static float halvingSum(float[] lanes) {
        return ScalarWeightKernels.halvingSum(lanes);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    @Override
    public void add(float[] y, float[] x, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += x[i];
        }
    }

    @Override
    public void scale(float[] x, int off, int n, float alpha) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    @Override
    public void mulScaled(float[] out, float[] x, float[] w, float s, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = x[i] * s * w[i];
        }
    }

    /**
     * As llama.cpp's soft_max: e^(x - max) by {@link Exp#exp}, summed per 16 values (a halving sum of a block, the
     * last one padded with zeros as llama.cpp's masked cache slots are) into a double, then scaled by 1 / sum.
     */
    @Override
    public void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        float[] block = new float[16];
        for (int i = 0; i < n; i += 16) {
            java.util.Arrays.fill(block, 0f);
            for (int j = 0; j < 16 && i + j < n; j++) {
                float e = Exp.exp(x[off + i + j] - max);
                x[off + i + j] = e;
                block[j] = e;
            }
            sum += halvingSum(block);
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + Exp.exp(-g)) * up[i];
        }
    }

    @Override
    public void silu(float[] x, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[i];
            x[i] = v / (1f + Exp.exp(-v));
        }
    }
}
