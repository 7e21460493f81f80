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
