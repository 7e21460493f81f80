package org.jllm.kernels;

/**
 * The float-array math of a forward pass. One implementation is scalar, one uses the Vector API; {@link Kernels}
 * picks one at start-up. Offsets let callers work on slices of larger buffers (heads, positions) without copies.
 */
public interface FloatOps {

    /** Sum of a[aOff+i] * b[bOff+i] for i in [0, n). */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /**
     * One tile of a matrix product: {@code out[t * rows + r] = dot(w, r * cols, x, t * cols, cols)} for
     * {@code r < rows}, {@code t < n}; {@code w} holds {@code rows} (dequantized) weight rows, {@code x} the
     * {@code n} activation rows of a block of tokens. Each value is summed exactly as {@link #dot} sums it, so a
     * batch of tokens gets the same bits as one token at a time.
     */
    default void matMulTile(float[] w, int rows, int cols, float[] x, int n, float[] out) {
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                out[t * rows + r] = dot(w, r * cols, x, t * cols, cols);
            }
        }
    }

    /** y[yOff+i] += alpha * x[xOff+i]. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** y[i] += x[i] for i in [0, n). */
    void add(float[] y, float[] x, int n);

    /** x[off+i] *= alpha. */
    void scale(float[] x, int off, int n, float alpha);

    /** Sum of squares, accumulated in double as llama.cpp does for its norms. */
    double sumOfSquares(float[] x, int off, int n);

    /** out[i] = x[i] * (1 / sqrt(mean(x^2) + eps)) * weight[i]: RMSNorm. {@code out} may be {@code x}. */
    default void rmsNorm(float[] out, float[] x, float[] weight, int n, float eps) {
        float s = (float) (1.0 / Math.sqrt((float) (sumOfSquares(x, 0, n) / n) + eps));
        mulScaled(out, x, weight, s, n);
    }

    /** out[i] = x[i] * s * w[i]. */
    void mulScaled(float[] out, float[] x, float[] w, float s, int n);

    /** Numerically stable softmax of x[off .. off+n) in place; the sum is accumulated in double. */
    void softmax(float[] x, int off, int n);

    /** gate[i] = silu(gate[i]) * up[i]: the SwiGLU activation, silu(v) = v / (1 + e^-v). */
    void swiglu(float[] gate, float[] up, int n);

    /** x[i] = silu(x[i]). */
    void silu(float[] x, int n);
}
