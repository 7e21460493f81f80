package org.jllm.kernels;

/**
 * The float-array math of a forward pass. One implementation is scalar, one uses the Vector API; {@link Kernels}
 * picks one at start-up. Offsets let callers work on slices of larger buffers (heads, positions) without copies.
 */
public interface FloatOps {

    /**
     * Sum of a[aOff+i] * b[bOff+i] for i in [0, n). When n is a multiple of 16 it is summed in 16 lanes, one
     * multiply-add per value, and the lanes reduced by halving (llama.cpp's tinyBLAS order, which its matrix
     * products and a single token's attention scores use); otherwise as {@link #dotInSteps}.
     */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /**
     * The same sum in the order of ggml's {@code ggml_vec_dot_f32}: 64-value steps into four 16-lane accumulators
     * (combined (0+2)+(1+3), then halved), the remaining values added one product at a time. llama.cpp scores the
     * attention of a batch of tokens in this order.
     */
    float dotInSteps(float[] a, int aOff, float[] b, int bOff, int n);

    /**
     * {@link #dot} of {@code count} rows of {@code a} (from {@code aOff}, {@code aStride} apart) with one {@code b},
     * into {@code out} (from {@code outOff}, {@code outStride} apart), each summed exactly as dot sums it: the query
     * heads of a group scored against one key, for a token read alone.
     */
    default void dots(float[] a, int aOff, int aStride, int count, float[] b, int bOff, int n, float[] out, int outOff,
                      int outStride) {
        for (int j = 0; j < count; j++) {
            out[outOff + j * outStride] = dot(a, aOff + j * aStride, b, bOff, n);
        }
    }

    /**
     * {@link #dotInSteps} of {@code count} rows of {@code a} (from {@code aOff}, {@code aStride} apart) with one
     * {@code b}, into {@code out} (from {@code outOff}, {@code outStride} apart), each summed exactly as dotInSteps
     * sums it: the query heads of a group scored against one key.
     */
    default void dotsInSteps(float[] a, int aOff, int aStride, int count, float[] b, int bOff, int n, float[] out,
                             int outOff, int outStride) {
        for (int j = 0; j < count; j++) {
            out[outOff + j * outStride] = dotInSteps(a, aOff + j * aStride, b, bOff, n);
        }
    }

    /**
     * A group's attention scores against {@code positions} keys: for each position t, {@link #dots} (or
     * {@link #dotsInSteps} when {@code inSteps}) of the {@code count} rows of {@code a} with the key at
     * {@code bOff + t * bStride}, times {@code scale}, into {@code out[outOff + j * outStride + t]} for row j. Each
     * score is the bits of that dot product times {@code scale}, rounded once.
     */
    default void scores(float[] a, int aOff, int aStride, int count, float[] b, int bOff, int bStride, int positions,
                        int n, boolean inSteps, float scale, float[] out, int outOff, int outStride) {
        for (int t = 0; t < positions; t++) {
            if (inSteps) {
                dotsInSteps(a, aOff, aStride, count, b, bOff + t * bStride, n, out, outOff + t, outStride);
            } else {
                dots(a, aOff, aStride, count, b, bOff + t * bStride, n, out, outOff + t, outStride);
            }
            for (int j = 0; j < count; j++) {
                out[outOff + j * outStride + t] *= scale;
            }
        }
    }

    /**
     * The length of the array {@link #packTokens} fills for {@code n} tokens of {@code cols} values (at least
     * {@code n * cols}).
     */
    default int packedTokensLength(int n, int cols) {
        return n * cols;
    }

    /**
     * Lays out a block of {@code n} activation rows ({@code x[t * cols + k]}) the way {@link #matMulTile} reads
     * them. The plain layout is the rows themselves; the vector implementation puts the token in the lane.
     */
    default void packTokens(float[] x, int n, int cols, float[] packed) {
        System.arraycopy(x, 0, packed, 0, n * cols);
    }

    /**
     * One tile of a matrix product: {@code out[r * n + t]} = the dot product of weight row r and token t, for
     * {@code r < rows}, {@code t < n}; {@code tile} holds the rows, {@code cols} apart, {@code packed} the tokens as
     * {@link #packTokens} laid them out. Both are in {@link LaneMajor} order, and each value is summed as
     * {@link LaneMajor#dot} sums it: exactly {@link #dot} of the rows in natural order, so a batch of tokens gets the
     * same bits as one token at a time. Rows of other lengths are summed by {@link #dot} as they are.
     */
    default void matMulTile(float[] tile, int rows, int cols, float[] packed, int n, float[] out) {
        boolean laneMajor = LaneMajor.applies(cols);
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < n; t++) {
                out[r * n + t] = laneMajor
                        ? LaneMajor.dot(tile, r * cols, 1, packed, t * cols, 1, cols)
                        : dot(tile, r * cols, packed, t * cols, cols);
            }
        }
    }

    /** {@link #matMulInt16Tile}'s token stride: n rounded up to 32 (two 16-lane float vectors, one int16 vector). */
    static int int16Padded(int n) {
        return (n + 31) & ~31;
    }

    /**
     * One tile of a prompt block's product on integers ({@link WeightKernel#hasInt16Blocks}): {@code out[r * n + t]}
     * for {@code r < rows}, {@code t < n}. {@code tile} holds the rows' value pairs ({@link WeightKernel#int16Row},
     * {@code cols} apart) and {@code tileScales} their block scales ({@code cols / 32} apart); {@code packed} the
     * tokens' 8-bit activations as {@code packed[k * nPad + t]} and {@code packedScales} their block scales as
     * {@code packedScales[b * nPad + t]} ({@code nPad = int16Padded(n)}, zeros after n). Per row and token, block
     * after block, {@code acc = fma(blockSum, rowScale * tokenScale, acc)} with the exact integer block sum: the float
     * steps of the row-interleaved kernels' matVec, so a block of tokens gets their bits.
     */
    default void matMulInt16Tile(int[] tile, float[] tileScales, int rows, int cols, short[] packed,
                                 float[] packedScales, int n, float[] out) {
        int nPad = int16Padded(n);
        int blocks = cols / 32;
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < n; t++) {
                float acc = 0f;
                for (int b = 0; b < blocks; b++) {
                    int sum = 0;
                    for (int k = b * 32; k < b * 32 + 32; k++) {
                        sum += (short) tile[r * cols + k] * packed[k * nPad + t];
                    }
                    acc = Math.fma((float) sum, tileScales[r * blocks + b] * packedScales[b * nPad + t], acc);
                }
                out[r * n + t] = acc;
            }
        }
    }

    /**
     * For each of {@code sets} weightings s (weights from {@code wOff + s * wStride}, sums to {@code outOff + s *
     * outStride}) of the same rows, and lanes l = 0..15: {@code out[outOff + s * outStride + l * n + i]} = the sum over
     * positions t < count with t mod 16 = l, in increasing t, of {@code fma(weights[wOff + s * wStride + t],
     * rows[rowsOff + t * rowStride + i], sum)} from 0: the 16 partial sums of attention's weighted values for the query
     * heads of a group, each as {@link #axpy} would build it position after position.
     */
    default void weightedSumsInLanes(float[] weights, int wOff, int wStride, int sets, float[] rows, int rowsOff,
                                     int rowStride, int count, float[] out, int outOff, int outStride, int n) {
        for (int s = 0; s < sets; s++) {
            int o = outOff + s * outStride;
            java.util.Arrays.fill(out, o, o + 16 * n, 0f);
            for (int t = 0; t < count; t++) {
                axpy(weights[wOff + s * wStride + t], rows, rowsOff + t * rowStride, out, o + (t % 16) * n, n);
            }
        }
    }

    /** y[yOff+i] += alpha * x[xOff+i]. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** y[i] += x[i] for i in [0, n). */
    void add(float[] y, float[] x, int n);

    /** x[off+i] *= alpha. */
    void scale(float[] x, int off, int n, float alpha);

    /** IEEE halves to floats (exact). A plain loop: the JIT compiles it to vector conversions where it can. */
    static void fromHalf(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src[srcOff + i]);
        }
    }

    /** Floats rounded to the nearest IEEE half (ties to even), as {@link #fromHalf}. */
    static void toHalf(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.floatToFloat16(src[srcOff + i]);
        }
    }

    /**
     * Sum of squares as llama.cpp's norms take it: float squares added one after another into a double. Kept
     * sequential on both paths (a norm is a tiny part of a token's work) so both give the same bits.
     */
    static double sumOfSquares(float[] x, int off, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            sum += v * v;
        }
        return sum;
    }

    /**
     * out[i] = x[i] * (1 / sqrt(mean(x^2) + eps)) * weight[i]: RMSNorm. {@code out} may be {@code x}. The scale is
     * rounded as llama.cpp's {@code 1.0f/sqrtf(mean + eps)} is (float square root, then float division), so normed
     * activations that F16/BF16 weights round again end up on the same side of a rounding boundary.
     */
    default void rmsNorm(float[] out, float[] x, float[] weight, int n, float eps) {
        float mean = (float) (sumOfSquares(x, 0, n) / n);
        float s = 1f / (float) Math.sqrt(mean + eps);
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
