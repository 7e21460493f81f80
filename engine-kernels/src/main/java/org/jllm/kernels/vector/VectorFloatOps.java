package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.FloatOps;

/** {@link FloatOps} on the Vector API, at the platform's preferred width (16 floats with AVX-512). */
final class VectorFloatOps implements FloatOps {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Summed in the order of the scalar reference (llama.cpp's tinyBLAS or vec_dot_f32 order) at 16 lanes. */
    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (L != 16) {
            return plainDot(a, aOff, b, bOff, n);
        }
        if (n % 16 == 0) {
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < n; i += L) {
                acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
            }
            return Reductions.sum(acc);
        }
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        FloatVector acc2 = FloatVector.zero(S);
        FloatVector acc3 = FloatVector.zero(S);
        int i = 0;
        for (int bound = n - n % 64; i < bound; i += 64) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + i + 16).fma(FloatVector.fromArray(S, b, bOff + i + 16), acc1);
            acc2 = FloatVector.fromArray(S, a, aOff + i + 32).fma(FloatVector.fromArray(S, b, bOff + i + 32), acc2);
            acc3 = FloatVector.fromArray(S, a, aOff + i + 48).fma(FloatVector.fromArray(S, b, bOff + i + 48), acc3);
        }
        float sum = Reductions.sum(acc0.add(acc2).add(acc1.add(acc3)));
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /**
     * Register-blocked: 4 weight rows x 4 tokens in 16 accumulators, so each loaded vector feeds four FMAs. Every
     * accumulator sums its row-token pair block after block and is reduced like {@link #dot}, giving its bits.
     */
    @Override
    public void matMulTile(float[] w, int rows, int cols, float[] x, int n, float[] out) {
        if (L != 16 || cols % 16 != 0) {
            FloatOps.super.matMulTile(w, rows, cols, x, n, out);
            return;
        }
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int w0 = r * cols;
            int w1 = w0 + cols;
            int w2 = w1 + cols;
            int w3 = w2 + cols;
            int t = 0;
            for (; t + 4 <= n; t += 4) {
                int x0 = t * cols;
                int x1 = x0 + cols;
                int x2 = x1 + cols;
                int x3 = x2 + cols;
                FloatVector a00 = FloatVector.zero(S);
                FloatVector a01 = FloatVector.zero(S);
                FloatVector a02 = FloatVector.zero(S);
                FloatVector a03 = FloatVector.zero(S);
                FloatVector a10 = FloatVector.zero(S);
                FloatVector a11 = FloatVector.zero(S);
                FloatVector a12 = FloatVector.zero(S);
                FloatVector a13 = FloatVector.zero(S);
                FloatVector a20 = FloatVector.zero(S);
                FloatVector a21 = FloatVector.zero(S);
                FloatVector a22 = FloatVector.zero(S);
                FloatVector a23 = FloatVector.zero(S);
                FloatVector a30 = FloatVector.zero(S);
                FloatVector a31 = FloatVector.zero(S);
                FloatVector a32 = FloatVector.zero(S);
                FloatVector a33 = FloatVector.zero(S);
                for (int k = 0; k < cols; k += 16) {
                    FloatVector v0 = FloatVector.fromArray(S, w, w0 + k);
                    FloatVector v1 = FloatVector.fromArray(S, w, w1 + k);
                    FloatVector v2 = FloatVector.fromArray(S, w, w2 + k);
                    FloatVector v3 = FloatVector.fromArray(S, w, w3 + k);
                    FloatVector u = FloatVector.fromArray(S, x, x0 + k);
                    a00 = v0.fma(u, a00);
                    a10 = v1.fma(u, a10);
                    a20 = v2.fma(u, a20);
                    a30 = v3.fma(u, a30);
                    u = FloatVector.fromArray(S, x, x1 + k);
                    a01 = v0.fma(u, a01);
                    a11 = v1.fma(u, a11);
                    a21 = v2.fma(u, a21);
                    a31 = v3.fma(u, a31);
                    u = FloatVector.fromArray(S, x, x2 + k);
                    a02 = v0.fma(u, a02);
                    a12 = v1.fma(u, a12);
                    a22 = v2.fma(u, a22);
                    a32 = v3.fma(u, a32);
                    u = FloatVector.fromArray(S, x, x3 + k);
                    a03 = v0.fma(u, a03);
                    a13 = v1.fma(u, a13);
                    a23 = v2.fma(u, a23);
                    a33 = v3.fma(u, a33);
                }
                int o = t * rows + r;
                out[o] = Reductions.sum(a00);
                out[o + 1] = Reductions.sum(a10);
                out[o + 2] = Reductions.sum(a20);
                out[o + 3] = Reductions.sum(a30);
                o += rows;
                out[o] = Reductions.sum(a01);
                out[o + 1] = Reductions.sum(a11);
                out[o + 2] = Reductions.sum(a21);
                out[o + 3] = Reductions.sum(a31);
                o += rows;
                out[o] = Reductions.sum(a02);
                out[o + 1] = Reductions.sum(a12);
                out[o + 2] = Reductions.sum(a22);
                out[o + 3] = Reductions.sum(a32);
                o += rows;
                out[o] = Reductions.sum(a03);
                out[o + 1] = Reductions.sum(a13);
                out[o + 2] = Reductions.sum(a23);
                out[o + 3] = Reductions.sum(a33);
            }
            for (; t < n; t++) {
                int x0 = t * cols;
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = FloatVector.zero(S);
                FloatVector a2 = FloatVector.zero(S);
                FloatVector a3 = FloatVector.zero(S);
                for (int k = 0; k < cols; k += 16) {
                    FloatVector u = FloatVector.fromArray(S, x, x0 + k);
                    a0 = FloatVector.fromArray(S, w, w0 + k).fma(u, a0);
                    a1 = FloatVector.fromArray(S, w, w1 + k).fma(u, a1);
                    a2 = FloatVector.fromArray(S, w, w2 + k).fma(u, a2);
                    a3 = FloatVector.fromArray(S, w, w3 + k).fma(u, a3);
                }
                int o = t * rows + r;
                out[o] = Reductions.sum(a0);
                out[o + 1] = Reductions.sum(a1);
                out[o + 2] = Reductions.sum(a2);
                out[o + 3] = Reductions.sum(a3);
            }
        }
        for (; r < rows; r++) {
            for (int t = 0; t < n; t++) {
                out[t * rows + r] = dot(w, r * cols, x, t * cols, cols);
            }
        }
    }

    private static float plainDot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
        }
        float sum = Reductions.sum(acc);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    @Override
    public void add(float[] y, float[] x, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, y, i).add(FloatVector.fromArray(S, x, i)).intoArray(y, i);
        }
        for (; i < n; i++) {
            y[i] += x[i];
        }
    }

    @Override
    public void scale(float[] x, int off, int n, float alpha) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        // Float lanes, reduced in double: within float rounding of the scalar double accumulation.
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, off + i);
            acc = v.fma(v, acc);
        }
        double sum = 0;
        for (int lane = 0; lane < L; lane++) {
            sum += acc.lane(lane);
        }
        for (; i < n; i++) {
            float v = x[off + i];
            sum += v * v;
        }
        return sum;
    }

    @Override
    public void mulScaled(float[] out, float[] x, float[] w, float s, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, i).mul(s).mul(FloatVector.fromArray(S, w, i)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = x[i] * s * w[i];
        }
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        int i = 0;
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int end = S.loopBound(n); i < end; i += L) {
            vmax = vmax.max(FloatVector.fromArray(S, x, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX); // max is exact in any order
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, off + i).sub(max));
            e.intoArray(x, off + i);
            sum += Reductions.sum(e);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, n, (float) (1.0 / sum));
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector g = FloatVector.fromArray(S, gate, i);
            g.div(VectorMath.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(S, up, i)).intoArray(gate, i);
        }
        for (; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    @Override
    public void silu(float[] x, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector g = FloatVector.fromArray(S, x, i);
            g.div(VectorMath.exp(g.neg()).add(1f)).intoArray(x, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            x[i] = v / (1f + (float) Math.exp(-v));
        }
    }
}
