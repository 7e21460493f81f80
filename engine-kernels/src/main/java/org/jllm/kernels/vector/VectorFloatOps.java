package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.Exp;
import org.jllm.kernels.FloatOps;

/** {@link FloatOps} on the Vector API, at the platform's preferred width (16 floats with AVX-512). */
final class VectorFloatOps implements FloatOps {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /**
     * Summed in the order of the scalar reference (llama.cpp's tinyBLAS or vec_dot_f32 order) at 16 lanes. The
     * lane sums of the two dot products are written out (Reductions.sum's butterfly at 16 lanes), not called: they
     * run once per attention score, and a call that passes a vector and is not inlined boxes it.
     */
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
            acc = acc.add(acc.rearrange(Reductions.XOR_8));
            acc = acc.add(acc.rearrange(Reductions.XOR_4));
            acc = acc.add(acc.rearrange(Reductions.XOR_2));
            acc = acc.add(acc.rearrange(Reductions.XOR_1));
            return acc.lane(0);
        }
        return dotInSteps(a, aOff, b, bOff, n);
    }

    @Override
    public float dotInSteps(float[] a, int aOff, float[] b, int bOff, int n) {
        if (L != 16) {
            return plainDot(a, aOff, b, bOff, n);
        }
        float sum = 0f;
        int i = 0;
        if (n >= 64) {
            FloatVector acc0 = FloatVector.zero(S);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int bound = n - n % 64; i < bound; i += 64) {
                acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
                acc1 = FloatVector.fromArray(S, a, aOff + i + 16).fma(FloatVector.fromArray(S, b, bOff + i + 16), acc1);
                acc2 = FloatVector.fromArray(S, a, aOff + i + 32).fma(FloatVector.fromArray(S, b, bOff + i + 32), acc2);
                acc3 = FloatVector.fromArray(S, a, aOff + i + 48).fma(FloatVector.fromArray(S, b, bOff + i + 48), acc3);
            }
            FloatVector acc = acc0.add(acc2).add(acc1.add(acc3));
            acc = acc.add(acc.rearrange(Reductions.XOR_8));
            acc = acc.add(acc.rearrange(Reductions.XOR_4));
            acc = acc.add(acc.rearrange(Reductions.XOR_2));
            acc = acc.add(acc.rearrange(Reductions.XOR_1));
            sum = acc.lane(0);
        }
        // Fewer than 64 values (the sum of four zero vectors is +0): the tail alone.
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /**
     * Register-blocked: 4 weight rows x 4 tokens in 16 accumulators, so each loaded vector feeds four FMAs (8 loads
     * per 16 FMAs, which measured 1.7x faster than 8 rows x 2 tokens). Every accumulator sums its row-token pair
     * block after block over the whole row and is reduced like {@link #dot}, so the result has its bits.
     */
    @Override
    public void matMulTile(float[] w, int rows, int cols, float[] x, int n, float[] out) {
        if (L != 16 || cols % 16 != 0) {
            FloatOps.super.matMulTile(w, rows, cols, x, n, out);
            return;
        }
        float[] buf = reductionBuffer(256);
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
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                FloatVector b0 = a0;
                FloatVector b1 = a0;
                FloatVector b2 = a0;
                FloatVector b3 = a0;
                FloatVector c0 = a0;
                FloatVector c1 = a0;
                FloatVector c2 = a0;
                FloatVector c3 = a0;
                FloatVector d0 = a0;
                FloatVector d1 = a0;
                FloatVector d2 = a0;
                FloatVector d3 = a0;
                for (int k = 0; k < cols; k += 16) {
                    FloatVector u0 = FloatVector.fromArray(S, x, x0 + k);
                    FloatVector u1 = FloatVector.fromArray(S, x, x1 + k);
                    FloatVector u2 = FloatVector.fromArray(S, x, x2 + k);
                    FloatVector u3 = FloatVector.fromArray(S, x, x3 + k);
                    FloatVector m = FloatVector.fromArray(S, w, w0 + k);
                    a0 = m.fma(u0, a0);
                    b0 = m.fma(u1, b0);
                    c0 = m.fma(u2, c0);
                    d0 = m.fma(u3, d0);
                    m = FloatVector.fromArray(S, w, w1 + k);
                    a1 = m.fma(u0, a1);
                    b1 = m.fma(u1, b1);
                    c1 = m.fma(u2, c1);
                    d1 = m.fma(u3, d1);
                    m = FloatVector.fromArray(S, w, w2 + k);
                    a2 = m.fma(u0, a2);
                    b2 = m.fma(u1, b2);
                    c2 = m.fma(u2, c2);
                    d2 = m.fma(u3, d2);
                    m = FloatVector.fromArray(S, w, w3 + k);
                    a3 = m.fma(u0, a3);
                    b3 = m.fma(u1, b3);
                    c3 = m.fma(u2, c3);
                    d3 = m.fma(u3, d3);
                }
                // Stored for one reducing call: vectors passed to a method that is not inlined would be boxed.
                a0.intoArray(buf, 0);
                a1.intoArray(buf, 16);
                a2.intoArray(buf, 32);
                a3.intoArray(buf, 48);
                b0.intoArray(buf, 64);
                b1.intoArray(buf, 80);
                b2.intoArray(buf, 96);
                b3.intoArray(buf, 112);
                c0.intoArray(buf, 128);
                c1.intoArray(buf, 144);
                c2.intoArray(buf, 160);
                c3.intoArray(buf, 176);
                d0.intoArray(buf, 192);
                d1.intoArray(buf, 208);
                d2.intoArray(buf, 224);
                d3.intoArray(buf, 240);
                reduce16(buf, out, t * rows + r, rows);
            }
            for (; t < n; t++) {
                for (int i = 0; i < 4; i++) {
                    out[t * rows + r + i] = dot(w, (r + i) * cols, x, t * cols, cols);
                }
            }
        }
        for (; r < rows; r++) {
            for (int t = 0; t < n; t++) {
                out[t * rows + r] = dot(w, r * cols, x, t * cols, cols);
            }
        }
    }

    private static float[] reductionBuffer(int size) {
        float[] buf = REDUCTION_BUFFER.get();
        if (buf.length < size) {
            buf = new float[size];
            REDUCTION_BUFFER.set(buf);
        }
        return buf;
    }

    private static final ThreadLocal<float[]> REDUCTION_BUFFER = ThreadLocal.withInitial(() -> new float[256]);
    // Transposing reduction: each vector takes the butterfly steps of Reductions.sum, and after the step of width h
    // two vectors are merged by keeping alternate groups of h lanes of each (lanes j and j^h hold the same value by
    // then). Four levels take 16 vectors to one vector of 16 sums, each in the butterfly order.
    private static final VectorMask<Float> ODD_8 = oddGroups(8);
    private static final VectorMask<Float> ODD_4 = oddGroups(4);
    private static final VectorMask<Float> ODD_2 = oddGroups(2);
    private static final VectorMask<Float> ODD_1 = oddGroups(1);
    /** The lane of the reduced vector holding accumulator k's sum. */
    private static final int[] LANE_OF = laneOf();

    /** Lanes j with j / h odd. */
    private static VectorMask<Float> oddGroups(int h) {
        boolean[] bits = new boolean[L];
        for (int j = 0; j < L; j++) {
            bits[j] = (j / h) % 2 == 1;
        }
        return VectorMask.fromArray(S, bits, 0);
    }

    private static int[] laneOf() {
        int[][] ids = new int[16][16];
        for (int k = 0; k < 16; k++) {
            java.util.Arrays.fill(ids[k], k);
        }
        int count = 16;
        for (int h = 8; h >= 1; h /= 2) {
            for (int p = 0; p < count / 2; p++) {
                int[] merged = new int[16];
                for (int j = 0; j < 16; j++) {
                    merged[j] = ((j / h) % 2 == 0 ? ids[2 * p] : ids[2 * p + 1])[j];
                }
                ids[p] = merged;
            }
            count /= 2;
        }
        int[] laneOf = new int[16];
        for (int j = 0; j < 16; j++) {
            laneOf[ids[0][j]] = j;
        }
        return laneOf;
    }

    /**
     * The 16 sums of {@code buf}'s first 16 vectors (vector k = row k % 4, token k / 4 of a tile) into
     * {@code out[o + (k / 4) * rows + k % 4]}. Only called at 16 lanes.
     */
    private static void reduce16(float[] buf, float[] out, int o, int rows) {
        FloatVector v0 = combine8(buf, 0);
        FloatVector v1 = combine8(buf, 32);
        FloatVector v2 = combine8(buf, 64);
        FloatVector v3 = combine8(buf, 96);
        FloatVector v4 = combine8(buf, 128);
        FloatVector v5 = combine8(buf, 160);
        FloatVector v6 = combine8(buf, 192);
        FloatVector v7 = combine8(buf, 224);
        v0 = v0.add(v0.rearrange(Reductions.XOR_4)).blend(v1.add(v1.rearrange(Reductions.XOR_4)), ODD_4);
        v2 = v2.add(v2.rearrange(Reductions.XOR_4)).blend(v3.add(v3.rearrange(Reductions.XOR_4)), ODD_4);
        v4 = v4.add(v4.rearrange(Reductions.XOR_4)).blend(v5.add(v5.rearrange(Reductions.XOR_4)), ODD_4);
        v6 = v6.add(v6.rearrange(Reductions.XOR_4)).blend(v7.add(v7.rearrange(Reductions.XOR_4)), ODD_4);
        v0 = v0.add(v0.rearrange(Reductions.XOR_2)).blend(v2.add(v2.rearrange(Reductions.XOR_2)), ODD_2);
        v4 = v4.add(v4.rearrange(Reductions.XOR_2)).blend(v6.add(v6.rearrange(Reductions.XOR_2)), ODD_2);
        v0 = v0.add(v0.rearrange(Reductions.XOR_1)).blend(v4.add(v4.rearrange(Reductions.XOR_1)), ODD_1);
        v0.intoArray(buf, 0);
        for (int k = 0; k < 16; k++) {
            out[o + (k >> 2) * rows + (k & 3)] = buf[LANE_OF[k]];
        }
    }

    private static FloatVector combine8(float[] buf, int off) {
        FloatVector x = FloatVector.fromArray(S, buf, off);
        FloatVector y = FloatVector.fromArray(S, buf, off + 16);
        return x.add(x.rearrange(Reductions.XOR_8)).blend(y.add(y.rearrange(Reductions.XOR_8)), ODD_8);
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
    public void mulScaled(float[] out, float[] x, float[] w, float s, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, i).mul(s).mul(FloatVector.fromArray(S, w, i)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = x[i] * s * w[i];
        }
    }

    /** L zeros, then L negative infinities: from offset L - k, lanes k and up are -infinity. */
    private static final float[] PAST_END = pastEnd();

    private static float[] pastEnd() {
        float[] p = new float[2 * L];
        java.util.Arrays.fill(p, L, 2 * L, Float.NEGATIVE_INFINITY);
        return p;
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        // A plain loop (exact in any order): a vector accumulator here, in a loop that early positions leave cold,
        // was sometimes compiled with boxed vectors.
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = expLoop(x, off, n, max, null, false);
        scale(x, off, n, (float) (1.0 / sum));
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        expLoop(gate, 0, n, 0f, up, true);
    }

    @Override
    public void silu(float[] x, int n) {
        expLoop(x, 0, n, 0f, null, true);
    }

    /**
     * The loops around exp, written once with exp and the lane sum spelled out inside: a call that passes vectors
     * and is not inlined boxes them, and whether the JIT inlines a helper this large depends on what it compiled
     * first. Each step of 16 values is masked (all lanes but in the last step), so there is no scalar tail.
     *
     * <p>{@code silu}: x = x / (1 + exp(-x)), times {@code up} when given; returns 0. Otherwise softmax's middle:
     * x = exp(x - shift), returning the sum of the values per 16 in butterfly order, the last 16 padded with zeros
     * (the scalar reference's order, llama.cpp's). Lanes past n are -infinity before that exp, which makes them
     * exactly 0 without a blend (blends whose mask is rarely true were left to the slow, allocating path).
     */
    private static double expLoop(float[] x, int off, int n, float shift, float[] up, boolean silu) {
        double sum = 0;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> valid = S.indexInRange(i, n);
            FloatVector g = FloatVector.fromArray(S, x, off + i, valid);
            FloatVector v = silu ? g.neg()
                    : g.add(FloatVector.fromArray(S, PAST_END, L - Math.min(L, n - i))).sub(shift);
            // Exp.exp lane-wise, bit for bit: the same FMA steps, and 2^n applied as two exact power-of-two factors
            // (n split in halves) so the product rounds once, as a scalef does. lanewise(EXP) would not do: its
            // JIT-compiled and interpreted forms round differently. Clamped so that |n| stays at most 193, where
            // j * 2^n over- or underflows to exactly the infinity or zero the scalar form returns beyond 192.
            v = v.max(-CLAMP).min(CLAMP);
            FloatVector z = v.fma(Exp.LOG2E, Exp.ROUNDER);
            FloatVector minusN = z.sub(Exp.ROUNDER).neg();
            FloatVector b = minusN.fma(LN2_LO, minusN.fma(LN2_HI, v));
            FloatVector u = b.mul(b);
            FloatVector j = b.fma(Exp.C5, Exp.C4).fma(u, b.fma(Exp.C3, Exp.C2)).fma(u, b.fma(Exp.C1, 1f));
            // n sits in the low mantissa bits of z.
            IntVector ni = z.reinterpretAsInts().sub(ROUNDER_BITS);
            IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
            FloatVector e = j.mul(half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            if (silu) {
                g = g.div(e.add(1f));
                if (up != null) {
                    g = g.mul(FloatVector.fromArray(S, up, off + i, valid));
                }
                g.intoArray(x, off + i, valid);
                continue;
            }
            e.intoArray(x, off + i, valid);
            // Reductions.sum, step for step.
            if (L > 8) {
                e = e.add(e.rearrange(Reductions.XOR_8));
            }
            if (L > 4) {
                e = e.add(e.rearrange(Reductions.XOR_4));
            }
            if (L > 2) {
                e = e.add(e.rearrange(Reductions.XOR_2));
            }
            e = e.add(e.rearrange(Reductions.XOR_1));
            sum += e.lane(0);
        }
        return sum;
    }

    private static final int ROUNDER_BITS = Float.floatToRawIntBits(Exp.ROUNDER);
    /** 134 / ln 2 rounds to n = 193. */
    private static final float CLAMP = 134f;
    private static final FloatVector LN2_LO = FloatVector.broadcast(S, Exp.LN2_LO);
    private static final FloatVector LN2_HI = FloatVector.broadcast(S, Exp.LN2_HI);
}
