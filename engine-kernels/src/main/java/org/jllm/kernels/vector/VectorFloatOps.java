package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.Exp;
import org.jllm.kernels.FloatOps;
import org.jllm.kernels.LaneMajor;

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

    /** Lanes 8-15, and lanes whose index has bit 2 set: the halves and quarters of a 4-row reduction. */
    private static final VectorMask<Float> HIGH_8 = L == 16 ? VectorMask.fromLong(S, 0xFF00L) : null;
    private static final VectorMask<Float> BIT_2 = L == 16 ? VectorMask.fromLong(S, 0xF0F0L) : null;

    /**
     * Four rows at a time where n is a multiple of 16 ({@link #fourScaledDots}): every sum adds the same two values as
     * dot's butterfly, so the bits are its bits.
     */
    @Override
    public void dots(float[] a, int aOff, int aStride, int count, float[] b, int bOff, int n, float[] out, int outOff,
                     int outStride) {
        int j = 0;
        if (L == 16 && n > 0 && n % 16 == 0) {
            for (; j + 4 <= count; j += 4) {
                int a0 = aOff + j * aStride;
                int o = outOff + j * outStride;
                // Times 1: exact, so dot's bits.
                fourScaledDots(a, a0, a0 + aStride, a0 + 2 * aStride, a0 + 3 * aStride, b, bOff, bOff, bOff, bOff, n,
                        1f, out, o, o + outStride, o + 2 * outStride, o + 3 * outStride);
            }
        }
        for (; j < count; j++) {
            out[outOff + j * outStride] = dot(a, aOff + j * aStride, b, bOff, n);
        }
    }

    /**
     * The positions in one loop, four dot products at a time summed as {@link #dots} sums them (the same bits),
     * scaled as they are stored: for groups of a multiple of 4 rows, the group's rows against one key (each key read
     * once for the group; head size 64 written out, and then also in steps for a batch); for other groups (1 for
     * multi-head attention), each row against four keys. A call per position (dots, then the scaling) took ~2x the
     * time (one layer at position 1023, F32 cache).
     */
    @Override
    public void scores(float[] a, int aOff, int aStride, int count, float[] b, int bOff, int bStride, int positions,
                       int n, boolean inSteps, float scale, float[] out, int outOff, int outStride) {
        boolean rowsOfFour = count % 4 == 0;
        if (L != 16 || n <= 0 || n % 16 != 0 || (inSteps && (n != 64 || !rowsOfFour))) {
            FloatOps.super.scores(a, aOff, aStride, count, b, bOff, bStride, positions, n, inSteps, scale, out, outOff,
                    outStride);
            return;
        }
        if (rowsOfFour && n == 64) {
            for (int j = 0; j < count; j += 4) {
                scores64(a, aOff + j * aStride, aStride, b, bOff, bStride, positions, inSteps, scale, out,
                        outOff + j * outStride, outStride);
            }
            return;
        }
        if (rowsOfFour) {
            for (int t = 0; t < positions; t++) {
                int k = bOff + t * bStride;
                for (int j = 0; j < count; j += 4) {
                    int a0 = aOff + j * aStride;
                    int o = outOff + j * outStride + t;
                    fourScaledDots(a, a0, a0 + aStride, a0 + 2 * aStride, a0 + 3 * aStride, b, k, k, k, k, n, scale,
                            out, o, o + outStride, o + 2 * outStride, o + 3 * outStride);
                }
            }
            return;
        }
        for (int j = 0; j < count; j++) {
            int aj = aOff + j * aStride;
            int o = outOff + j * outStride;
            int t = 0;
            for (; t + 4 <= positions; t += 4) {
                int k = bOff + t * bStride;
                fourScaledDots(a, aj, aj, aj, aj, b, k, k + bStride, k + 2 * bStride, k + 3 * bStride, n, scale, out,
                        o + t, o + t + 1, o + t + 2, o + t + 3);
            }
            for (; t < positions; t++) {
                out[o + t] = dot(a, aj, b, bOff + t * bStride, n) * scale;
            }
        }
    }

    /**
     * Four {@link #dot}s (rows of {@code a} at a0..a3 against rows of {@code b} at b0..b3, n a multiple of 16), each
     * times {@code scale}, into {@code out} at o0..o3: one accumulator each, and their four halving trees in one vector
     * (lanes 0-7 of the first level hold the first's, 8-15 the second's; the second level gives each four lanes), so
     * every sum adds the same two values as dot's. Written out: a call the JIT leaves out of line boxes its vectors
     * (this method takes none).
     */
    private static void fourScaledDots(float[] a, int a0, int a1, int a2, int a3, float[] b, int b0, int b1, int b2,
                                       int b3, int n, float scale, float[] out, int o0, int o1, int o2, int o3) {
        FloatVector v0 = FloatVector.zero(S);
        FloatVector v1 = v0;
        FloatVector v2 = v0;
        FloatVector v3 = v0;
        for (int i = 0; i < n; i += 16) {
            v0 = FloatVector.fromArray(S, a, a0 + i).fma(FloatVector.fromArray(S, b, b0 + i), v0);
            v1 = FloatVector.fromArray(S, a, a1 + i).fma(FloatVector.fromArray(S, b, b1 + i), v1);
            v2 = FloatVector.fromArray(S, a, a2 + i).fma(FloatVector.fromArray(S, b, b2 + i), v2);
            v3 = FloatVector.fromArray(S, a, a3 + i).fma(FloatVector.fromArray(S, b, b3 + i), v3);
        }
        FloatVector v01 = v0.blend(v1, HIGH_8).add(v1.blend(v0, HIGH_8).rearrange(Reductions.XOR_8));
        FloatVector v23 = v2.blend(v3, HIGH_8).add(v3.blend(v2, HIGH_8).rearrange(Reductions.XOR_8));
        FloatVector s = v01.blend(v23, BIT_2).add(v23.blend(v01, BIT_2).rearrange(Reductions.XOR_4));
        s = s.add(s.rearrange(Reductions.XOR_2));
        s = s.add(s.rearrange(Reductions.XOR_1));
        out[o0] = s.lane(0) * scale;
        out[o1] = s.lane(8) * scale;
        out[o2] = s.lane(4) * scale;
        out[o3] = s.lane(12) * scale;
    }

    /**
     * {@link #scores} of four rows of 64 values (the head size of most small models): the rows' 16 vectors loaded
     * once, each position's four products written out in dot's or dotInSteps' order. As a loop over the 64 values,
     * the JIT set up a pre-, main and post-loop for every position, which cost more than the products.
     */
    private static void scores64(float[] a, int a0, int aStride, float[] b, int bOff, int bStride, int positions,
                                 boolean inSteps, float scale, float[] out, int o, int outStride) {
        int a1 = a0 + aStride;
        int a2 = a1 + aStride;
        int a3 = a2 + aStride;
        FloatVector q00 = FloatVector.fromArray(S, a, a0);
        FloatVector q01 = FloatVector.fromArray(S, a, a0 + 16);
        FloatVector q02 = FloatVector.fromArray(S, a, a0 + 32);
        FloatVector q03 = FloatVector.fromArray(S, a, a0 + 48);
        FloatVector q10 = FloatVector.fromArray(S, a, a1);
        FloatVector q11 = FloatVector.fromArray(S, a, a1 + 16);
        FloatVector q12 = FloatVector.fromArray(S, a, a1 + 32);
        FloatVector q13 = FloatVector.fromArray(S, a, a1 + 48);
        FloatVector q20 = FloatVector.fromArray(S, a, a2);
        FloatVector q21 = FloatVector.fromArray(S, a, a2 + 16);
        FloatVector q22 = FloatVector.fromArray(S, a, a2 + 32);
        FloatVector q23 = FloatVector.fromArray(S, a, a2 + 48);
        FloatVector q30 = FloatVector.fromArray(S, a, a3);
        FloatVector q31 = FloatVector.fromArray(S, a, a3 + 16);
        FloatVector q32 = FloatVector.fromArray(S, a, a3 + 32);
        FloatVector q33 = FloatVector.fromArray(S, a, a3 + 48);
        FloatVector zero = FloatVector.zero(S);
        for (int t = 0; t < positions; t++) {
            int k = bOff + t * bStride;
            FloatVector k0 = FloatVector.fromArray(S, b, k);
            FloatVector k1 = FloatVector.fromArray(S, b, k + 16);
            FloatVector k2 = FloatVector.fromArray(S, b, k + 32);
            FloatVector k3 = FloatVector.fromArray(S, b, k + 48);
            // dot's order: one accumulator from +0 over value blocks 0..3; dotInSteps': one accumulator per block
            // (a single step of 64), combined as (0 + 2) + (1 + 3).
            FloatVector v0;
            FloatVector v1;
            FloatVector v2;
            FloatVector v3;
            if (inSteps) {
                v0 = q00.fma(k0, zero).add(q02.fma(k2, zero)).add(q01.fma(k1, zero).add(q03.fma(k3, zero)));
                v1 = q10.fma(k0, zero).add(q12.fma(k2, zero)).add(q11.fma(k1, zero).add(q13.fma(k3, zero)));
                v2 = q20.fma(k0, zero).add(q22.fma(k2, zero)).add(q21.fma(k1, zero).add(q23.fma(k3, zero)));
                v3 = q30.fma(k0, zero).add(q32.fma(k2, zero)).add(q31.fma(k1, zero).add(q33.fma(k3, zero)));
            } else {
                v0 = q03.fma(k3, q02.fma(k2, q01.fma(k1, q00.fma(k0, zero))));
                v1 = q13.fma(k3, q12.fma(k2, q11.fma(k1, q10.fma(k0, zero))));
                v2 = q23.fma(k3, q22.fma(k2, q21.fma(k1, q20.fma(k0, zero))));
                v3 = q33.fma(k3, q32.fma(k2, q31.fma(k1, q30.fma(k0, zero))));
            }
            FloatVector v01 = v0.blend(v1, HIGH_8).add(v1.blend(v0, HIGH_8).rearrange(Reductions.XOR_8));
            FloatVector v23 = v2.blend(v3, HIGH_8).add(v3.blend(v2, HIGH_8).rearrange(Reductions.XOR_8));
            FloatVector s = v01.blend(v23, BIT_2).add(v23.blend(v01, BIT_2).rearrange(Reductions.XOR_4));
            s = s.add(s.rearrange(Reductions.XOR_2));
            s = s.add(s.rearrange(Reductions.XOR_1));
            out[o + t] = s.lane(0) * scale;
            out[o + outStride + t] = s.lane(8) * scale;
            out[o + 2 * outStride + t] = s.lane(4) * scale;
            out[o + 3 * outStride + t] = s.lane(12) * scale;
        }
    }

    @Override
    public void dotsInSteps(float[] a, int aOff, int aStride, int count, float[] b, int bOff, int n, float[] out,
                            int outOff, int outStride) {
        int j = 0;
        if (L == 16 && n > 0 && n % 64 == 0) {
            for (; j + 4 <= count; j += 4) {
                fourDotsInSteps(a, aOff + j * aStride, aStride, b, bOff, n, out, outOff + j * outStride, outStride);
            }
        }
        for (; j < count; j++) {
            out[outOff + j * outStride] = dotInSteps(a, aOff + j * aStride, b, bOff, n);
        }
    }

    private static void fourDotsInSteps(float[] a, int a0, int aStride, float[] b, int bOff, int n, float[] out,
                                        int o, int outStride) {
        int a1 = a0 + aStride;
        int a2 = a1 + aStride;
        int a3 = a2 + aStride;
        FloatVector p0 = FloatVector.zero(S);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        FloatVector q0 = p0;
        FloatVector q1 = p0;
        FloatVector q2 = p0;
        FloatVector q3 = p0;
        FloatVector r0 = p0;
        FloatVector r1 = p0;
        FloatVector r2 = p0;
        FloatVector r3 = p0;
        FloatVector s0 = p0;
        FloatVector s1 = p0;
        FloatVector s2 = p0;
        FloatVector s3 = p0;
        for (int i = 0; i < n; i += 64) {
            FloatVector b0 = FloatVector.fromArray(S, b, bOff + i);
            FloatVector b1 = FloatVector.fromArray(S, b, bOff + i + 16);
            FloatVector b2 = FloatVector.fromArray(S, b, bOff + i + 32);
            FloatVector b3 = FloatVector.fromArray(S, b, bOff + i + 48);
            p0 = FloatVector.fromArray(S, a, a0 + i).fma(b0, p0);
            p1 = FloatVector.fromArray(S, a, a0 + i + 16).fma(b1, p1);
            p2 = FloatVector.fromArray(S, a, a0 + i + 32).fma(b2, p2);
            p3 = FloatVector.fromArray(S, a, a0 + i + 48).fma(b3, p3);
            q0 = FloatVector.fromArray(S, a, a1 + i).fma(b0, q0);
            q1 = FloatVector.fromArray(S, a, a1 + i + 16).fma(b1, q1);
            q2 = FloatVector.fromArray(S, a, a1 + i + 32).fma(b2, q2);
            q3 = FloatVector.fromArray(S, a, a1 + i + 48).fma(b3, q3);
            r0 = FloatVector.fromArray(S, a, a2 + i).fma(b0, r0);
            r1 = FloatVector.fromArray(S, a, a2 + i + 16).fma(b1, r1);
            r2 = FloatVector.fromArray(S, a, a2 + i + 32).fma(b2, r2);
            r3 = FloatVector.fromArray(S, a, a2 + i + 48).fma(b3, r3);
            s0 = FloatVector.fromArray(S, a, a3 + i).fma(b0, s0);
            s1 = FloatVector.fromArray(S, a, a3 + i + 16).fma(b1, s1);
            s2 = FloatVector.fromArray(S, a, a3 + i + 32).fma(b2, s2);
            s3 = FloatVector.fromArray(S, a, a3 + i + 48).fma(b3, s3);
        }
        FloatVector v0 = p0.add(p2).add(p1.add(p3));
        FloatVector v1 = q0.add(q2).add(q1.add(q3));
        FloatVector v2 = r0.add(r2).add(r1.add(r3));
        FloatVector v3 = s0.add(s2).add(s1.add(s3));
        // fourScaledDots' tree, written out: with 16 accumulators this method is large enough that the JIT does not
        // inline a call here, and a call that is not inlined boxes its vectors (384 bytes and ~5x the time per call).
        FloatVector v01 = v0.blend(v1, HIGH_8).add(v1.blend(v0, HIGH_8).rearrange(Reductions.XOR_8));
        FloatVector v23 = v2.blend(v3, HIGH_8).add(v3.blend(v2, HIGH_8).rearrange(Reductions.XOR_8));
        FloatVector t = v01.blend(v23, BIT_2).add(v23.blend(v01, BIT_2).rearrange(Reductions.XOR_4));
        t = t.add(t.rearrange(Reductions.XOR_2));
        t = t.add(t.rearrange(Reductions.XOR_1));
        out[o] = t.lane(0);
        out[o + outStride] = t.lane(8);
        out[o + 2 * outStride] = t.lane(4);
        out[o + 3 * outStride] = t.lane(12);
    }

    /*
     * Matrix products of a block of tokens, with the token in the lane: packTokens transposes the block
     * (packed[k nPad + t] = x[t][k], nPad = {@link #tokenStride}, zeros after n), and pass j of a tile broadcasts one
     * weight per row, column after column of lane class j (LaneMajor order: contiguous), and multiplies it with a
     * vector of tokens (16 with AVX-512, 8 with AVX2). 4 rows x 4 token vectors take 16 FMAs per 4 vector loads and
     * 4 broadcasts, about 2x the 4 x 4 dot-product form, whose full-vector loads of both operands bound it near half
     * the FMA rate. Each pass sums in
     * column order what lane j of dot sums, and the 16 sums are added in dot's butterfly order: dot's bits. Blocks
     * of fewer than 64 tokens (or their last vectors) take 4 rows x 1-3 vectors of tokens. Each width is written out:
     * accumulators must be locals (in an array they would be boxed).
     */

    /** Whether rows of this length take the token-in-lane kernel (else the plain layout, summed by dot). */
    private static boolean packs(int cols) {
        return 16 % L == 0 && cols % 16 == 0;
    }

    private static int padded(int n) {
        return (n + 15) & ~15;
    }

    /**
     * The packed block's token stride: n rounded up to 16, and 16 more where that is a multiple of 64 above 64. A
     * pass over 4 token vectors reads the first 256 bytes of each column's 512 (or 1024, ...): with a power-of-two
     * stride those all fall into half (a quarter, ...) of L1's sets, and the 32 KiB a lane class of a 2048-column
     * tile reads for the pass no longer stays in L1 for the next rows.
     */
    private static int tokenStride(int n) {
        int p = padded(n);
        return p > 64 && p % 64 == 0 ? p + 16 : p;
    }

    @Override
    public int packedTokensLength(int n, int cols) {
        return packs(cols) ? tokenStride(n) * cols : n * cols;
    }

    @Override
    public void packTokens(float[] x, int n, int cols, float[] packed) {
        if (packs(cols)) {
            Transposes.tokensInLanes(x, n, cols, packed, tokenStride(n), Transposes.AVAILABLE);
        } else {
            FloatOps.super.packTokens(x, n, cols, packed);
        }
    }

    /** Per thread: the 16 lane-class sums of every row-token pair of a tile. */
    private static final ThreadLocal<float[][]> PASS_SUMS = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] passSums(int size) {
        float[][] holder = PASS_SUMS.get();
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        return holder[0];
    }

    @Override
    public void matMulTile(float[] tile, int rows, int cols, float[] packed, int n, float[] out) {
        if (!packs(cols)) {
            FloatOps.super.matMulTile(tile, rows, cols, packed, n, out);
            return;
        }
        int nPad = tokenStride(n);
        int c = cols >> 4;
        int vectors = padded(n) / L;
        int grouped = rows & ~3;
        float[] sums = passSums(16 * rows * nPad);
        // Lane class outermost: pass j reads a sixteenth of the packed block; each group of 4 token vectors of it
        // (256 bytes a column) then stays in L1 while every row of the tile takes it (16 x 2048 tiles, 128 tokens:
        // 63-65 -> 76 GMAC/s per core with the stride of tokenStride; the model's Q8_0 prompts 1.13x).
        for (int j = 0; j < 16; j++) {
            int x0 = j * c * nPad;
            int v = 0;
            for (; v + 4 <= vectors; v += 4) {
                for (int r = 0; r < grouped; r += 4) {
                    pass4x4(tile, r * cols + j * c, cols, c, packed, x0 + L * v, nPad, sums,
                            (j * rows + r) * nPad + L * v);
                }
            }
            for (int r = 0; r < grouped && v < vectors; r += 4) {
                int w0 = r * cols + j * c;
                int p0 = (j * rows + r) * nPad + L * v;
                switch (vectors - v) {
                    case 3 -> pass4x3(tile, w0, cols, c, packed, x0 + L * v, nPad, sums, p0);
                    case 2 -> pass4x2(tile, w0, cols, c, packed, x0 + L * v, nPad, sums, p0);
                    default -> pass4x1(tile, w0, cols, c, packed, x0 + L * v, nPad, sums, p0);
                }
            }
        }
        for (int r = 0; r < grouped; r++) {
            for (int v = 0; v < vectors; v++) {
                combine(sums, r * nPad + L * v, rows * nPad, out, r * n + L * v, n - L * v);
            }
        }
        for (int r = grouped; r < rows; r++) {
            for (int t = 0; t < n; t++) {
                out[r * n + t] = packedDot(tile, r * cols, packed, t, nPad, c);
            }
        }
    }

    @Override
    public void matMulInt16Tile(int[] tile, float[] tileScales, int rows, int cols, short[] packed,
                                float[] packedScales, int n, float[] out) {
        if (Int16Tiles.applies(rows, cols)) {
            Int16Tiles.matMul(tile, tileScales, rows, cols, packed, packedScales, n, out);
        } else {
            FloatOps.super.matMulInt16Tile(tile, tileScales, rows, cols, packed, packedScales, n, out);
        }
    }

    /**
     * One pass: {@code steps} columns of 4 rows (from w0, {@code cols} apart) and 4 vectors of tokens (from x0, a
     * column every nPad floats); for each row-token pair the products summed in column order into {@code sums} (rows
     * nPad apart, L tokens a vector).
     */
    private static void pass4x4(float[] w, int w0, int cols, int steps, float[] x, int x0, int nPad, float[] sums,
                                int p0) {
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        int p1 = p0 + nPad;
        int p2 = p1 + nPad;
        int p3 = p2 + nPad;
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
        for (int i = 0, xo = x0; i < steps; i++, xo += nPad) {
            FloatVector u0 = FloatVector.fromArray(S, x, xo);
            FloatVector u1 = FloatVector.fromArray(S, x, xo + L);
            FloatVector u2 = FloatVector.fromArray(S, x, xo + 2 * L);
            FloatVector u3 = FloatVector.fromArray(S, x, xo + 3 * L);
            FloatVector m = FloatVector.broadcast(S, w[w0 + i]);
            a0 = m.fma(u0, a0);
            a1 = m.fma(u1, a1);
            a2 = m.fma(u2, a2);
            a3 = m.fma(u3, a3);
            m = FloatVector.broadcast(S, w[w1 + i]);
            b0 = m.fma(u0, b0);
            b1 = m.fma(u1, b1);
            b2 = m.fma(u2, b2);
            b3 = m.fma(u3, b3);
            m = FloatVector.broadcast(S, w[w2 + i]);
            c0 = m.fma(u0, c0);
            c1 = m.fma(u1, c1);
            c2 = m.fma(u2, c2);
            c3 = m.fma(u3, c3);
            m = FloatVector.broadcast(S, w[w3 + i]);
            d0 = m.fma(u0, d0);
            d1 = m.fma(u1, d1);
            d2 = m.fma(u2, d2);
            d3 = m.fma(u3, d3);
        }
        a0.intoArray(sums, p0);
        a1.intoArray(sums, p0 + L);
        a2.intoArray(sums, p0 + 2 * L);
        a3.intoArray(sums, p0 + 3 * L);
        b0.intoArray(sums, p1);
        b1.intoArray(sums, p1 + L);
        b2.intoArray(sums, p1 + 2 * L);
        b3.intoArray(sums, p1 + 3 * L);
        c0.intoArray(sums, p2);
        c1.intoArray(sums, p2 + L);
        c2.intoArray(sums, p2 + 2 * L);
        c3.intoArray(sums, p2 + 3 * L);
        d0.intoArray(sums, p3);
        d1.intoArray(sums, p3 + L);
        d2.intoArray(sums, p3 + 2 * L);
        d3.intoArray(sums, p3 + 3 * L);
    }

    /** {@link #pass4x4} for three vectors of tokens. */
    private static void pass4x3(float[] w, int w0, int cols, int steps, float[] x, int x0, int nPad, float[] sums,
                                int p0) {
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector c2 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        FloatVector d2 = a0;
        for (int i = 0, xo = x0; i < steps; i++, xo += nPad) {
            FloatVector u0 = FloatVector.fromArray(S, x, xo);
            FloatVector u1 = FloatVector.fromArray(S, x, xo + L);
            FloatVector u2 = FloatVector.fromArray(S, x, xo + 2 * L);
            FloatVector m0 = FloatVector.broadcast(S, w[w0 + i]);
            a0 = m0.fma(u0, a0);
            a1 = m0.fma(u1, a1);
            a2 = m0.fma(u2, a2);
            m0 = FloatVector.broadcast(S, w[w1 + i]);
            b0 = m0.fma(u0, b0);
            b1 = m0.fma(u1, b1);
            b2 = m0.fma(u2, b2);
            m0 = FloatVector.broadcast(S, w[w2 + i]);
            c0 = m0.fma(u0, c0);
            c1 = m0.fma(u1, c1);
            c2 = m0.fma(u2, c2);
            m0 = FloatVector.broadcast(S, w[w3 + i]);
            d0 = m0.fma(u0, d0);
            d1 = m0.fma(u1, d1);
            d2 = m0.fma(u2, d2);
        }
        a0.intoArray(sums, p0);
        a1.intoArray(sums, p0 + L);
        a2.intoArray(sums, p0 + 2 * L);
        b0.intoArray(sums, p0 + nPad);
        b1.intoArray(sums, p0 + nPad + L);
        b2.intoArray(sums, p0 + nPad + 2 * L);
        c0.intoArray(sums, p0 + 2 * nPad);
        c1.intoArray(sums, p0 + 2 * nPad + L);
        c2.intoArray(sums, p0 + 2 * nPad + 2 * L);
        d0.intoArray(sums, p0 + 3 * nPad);
        d1.intoArray(sums, p0 + 3 * nPad + L);
        d2.intoArray(sums, p0 + 3 * nPad + 2 * L);
    }

    /** {@link #pass4x4} for two vectors of tokens. */
    private static void pass4x2(float[] w, int w0, int cols, int steps, float[] x, int x0, int nPad, float[] sums,
                                int p0) {
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        for (int i = 0, xo = x0; i < steps; i++, xo += nPad) {
            FloatVector u0 = FloatVector.fromArray(S, x, xo);
            FloatVector u1 = FloatVector.fromArray(S, x, xo + L);
            FloatVector m0 = FloatVector.broadcast(S, w[w0 + i]);
            a0 = m0.fma(u0, a0);
            a1 = m0.fma(u1, a1);
            m0 = FloatVector.broadcast(S, w[w1 + i]);
            b0 = m0.fma(u0, b0);
            b1 = m0.fma(u1, b1);
            m0 = FloatVector.broadcast(S, w[w2 + i]);
            c0 = m0.fma(u0, c0);
            c1 = m0.fma(u1, c1);
            m0 = FloatVector.broadcast(S, w[w3 + i]);
            d0 = m0.fma(u0, d0);
            d1 = m0.fma(u1, d1);
        }
        a0.intoArray(sums, p0);
        a1.intoArray(sums, p0 + L);
        b0.intoArray(sums, p0 + nPad);
        b1.intoArray(sums, p0 + nPad + L);
        c0.intoArray(sums, p0 + 2 * nPad);
        c1.intoArray(sums, p0 + 2 * nPad + L);
        d0.intoArray(sums, p0 + 3 * nPad);
        d1.intoArray(sums, p0 + 3 * nPad + L);
    }

    /** {@link #pass4x4} for one vector of tokens. */
    private static void pass4x1(float[] w, int w0, int cols, int steps, float[] x, int x0, int nPad, float[] sums,
                                int p0) {
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector b0 = a0;
        FloatVector c0 = a0;
        FloatVector d0 = a0;
        for (int i = 0, xo = x0; i < steps; i++, xo += nPad) {
            FloatVector u0 = FloatVector.fromArray(S, x, xo);
            FloatVector m0 = FloatVector.broadcast(S, w[w0 + i]);
            a0 = m0.fma(u0, a0);
            m0 = FloatVector.broadcast(S, w[w1 + i]);
            b0 = m0.fma(u0, b0);
            m0 = FloatVector.broadcast(S, w[w2 + i]);
            c0 = m0.fma(u0, c0);
            m0 = FloatVector.broadcast(S, w[w3 + i]);
            d0 = m0.fma(u0, d0);
        }
        a0.intoArray(sums, p0);
        b0.intoArray(sums, p0 + nPad);
        c0.intoArray(sums, p0 + 2 * nPad);
        d0.intoArray(sums, p0 + 3 * nPad);
    }

    /**
     * Adds the 16 pass sums of a vector of row-token pairs (at s + j stride) in dot's butterfly order,
     * (s_j + s_j+8), then + 4, + 2, + 1, into out[o..o + min(L, count)).
     */
    private static void combine(float[] sums, int s, int stride, float[] out, int o, int count) {
        FloatVector t0 = pair(sums, s, 0, stride);
        FloatVector t1 = pair(sums, s, 1, stride);
        FloatVector t2 = pair(sums, s, 2, stride);
        FloatVector t3 = pair(sums, s, 3, stride);
        FloatVector t4 = pair(sums, s, 4, stride);
        FloatVector t5 = pair(sums, s, 5, stride);
        FloatVector t6 = pair(sums, s, 6, stride);
        FloatVector t7 = pair(sums, s, 7, stride);
        FloatVector v = t0.add(t4).add(t2.add(t6)).add(t1.add(t5).add(t3.add(t7)));
        if (count >= L) {
            v.intoArray(out, o);
        } else {
            v.intoArray(out, o, S.indexInRange(0, count));
        }
    }

    private static FloatVector pair(float[] sums, int s, int j, int stride) {
        return FloatVector.fromArray(S, sums, s + j * stride).add(FloatVector.fromArray(S, sums, s + (j + 8) * stride));
    }

    /** One row-token pair in the same order (rows past the last group of four). */
    private static float packedDot(float[] w, int w0, float[] x, int t, int nPad, int c) {
        return LaneMajor.dot(w, w0, 1, x, t, nPad, 16 * c);
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

    /** Lane by lane, 64 columns at a time, the partial sum held in four registers across the lane's positions. */
    @Override
    public void weightedSumsInLanes(float[] weights, int wOff, int wStride, int sets, float[] rows, int rowsOff,
                                    int rowStride, int count, float[] out, int outOff, int outStride, int n) {
        if (L != 16 || n % 64 != 0) {
            FloatOps.super.weightedSumsInLanes(weights, wOff, wStride, sets, rows, rowsOff, rowStride, count, out,
                    outOff, outStride, n);
            return;
        }
        int s = 0;
        if (n == 64) {
            for (; s + 4 <= sets; s += 4) {
                fourWeightedSums(weights, wOff + s * wStride, wStride, rows, rowsOff, rowStride, count, out,
                        outOff + s * outStride, outStride);
            }
        }
        for (; s < sets; s++) {
            weightedSums(weights, wOff + s * wStride, rows, rowsOff, rowStride, count, out, outOff + s * outStride, n);
        }
    }

    /** One weighting: each lane's partial sum held in registers (64 values at a time) across its positions. */
    private static void weightedSums(float[] weights, int wOff, float[] rows, int rowsOff, int rowStride, int count,
                                     float[] out, int outOff, int n) {
        for (int lane = 0; lane < 16; lane++) {
            for (int c = 0; c < n; c += 64) {
                FloatVector s0 = FloatVector.zero(S);
                FloatVector s1 = s0;
                FloatVector s2 = s0;
                FloatVector s3 = s0;
                for (int t = lane; t < count; t += 16) {
                    FloatVector w = FloatVector.broadcast(S, weights[wOff + t]);
                    int r = rowsOff + t * rowStride + c;
                    s0 = FloatVector.fromArray(S, rows, r).fma(w, s0);
                    s1 = FloatVector.fromArray(S, rows, r + 16).fma(w, s1);
                    s2 = FloatVector.fromArray(S, rows, r + 32).fma(w, s2);
                    s3 = FloatVector.fromArray(S, rows, r + 48).fma(w, s3);
                }
                int o = outOff + lane * n + c;
                s0.intoArray(out, o);
                s1.intoArray(out, o + 16);
                s2.intoArray(out, o + 32);
                s3.intoArray(out, o + 48);
            }
        }
    }

    /**
     * Four weightings of rows of 64 values (a group's four query heads over one K/V head's values): each row is
     * loaded once for the four, whose 16 partial sums stay in registers across the lane's positions.
     */
    private static void fourWeightedSums(float[] weights, int w0, int wStride, float[] rows, int rowsOff,
                                         int rowStride, int count, float[] out, int outOff, int outStride) {
        int w1 = w0 + wStride;
        int w2 = w1 + wStride;
        int w3 = w2 + wStride;
        for (int lane = 0; lane < 16; lane++) {
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
            for (int t = lane; t < count; t += 16) {
                int r = rowsOff + t * rowStride;
                FloatVector r0 = FloatVector.fromArray(S, rows, r);
                FloatVector r1 = FloatVector.fromArray(S, rows, r + 16);
                FloatVector r2 = FloatVector.fromArray(S, rows, r + 32);
                FloatVector r3 = FloatVector.fromArray(S, rows, r + 48);
                FloatVector w = FloatVector.broadcast(S, weights[w0 + t]);
                a0 = r0.fma(w, a0);
                a1 = r1.fma(w, a1);
                a2 = r2.fma(w, a2);
                a3 = r3.fma(w, a3);
                w = FloatVector.broadcast(S, weights[w1 + t]);
                b0 = r0.fma(w, b0);
                b1 = r1.fma(w, b1);
                b2 = r2.fma(w, b2);
                b3 = r3.fma(w, b3);
                w = FloatVector.broadcast(S, weights[w2 + t]);
                c0 = r0.fma(w, c0);
                c1 = r1.fma(w, c1);
                c2 = r2.fma(w, c2);
                c3 = r3.fma(w, c3);
                w = FloatVector.broadcast(S, weights[w3 + t]);
                d0 = r0.fma(w, d0);
                d1 = r1.fma(w, d1);
                d2 = r2.fma(w, d2);
                d3 = r3.fma(w, d3);
            }
            int o = outOff + lane * 64;
            a0.intoArray(out, o);
            a1.intoArray(out, o + 16);
            a2.intoArray(out, o + 32);
            a3.intoArray(out, o + 48);
            o += outStride;
            b0.intoArray(out, o);
            b1.intoArray(out, o + 16);
            b2.intoArray(out, o + 32);
            b3.intoArray(out, o + 48);
            o += outStride;
            c0.intoArray(out, o);
            c1.intoArray(out, o + 16);
            c2.intoArray(out, o + 32);
            c3.intoArray(out, o + 48);
            o += outStride;
            d0.intoArray(out, o);
            d1.intoArray(out, o + 16);
            d2.intoArray(out, o + 32);
            d3.intoArray(out, o + 48);
        }
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
     * (the scalar reference's order, llama.cpp's), at any vector width. Lanes past n are -infinity before that exp, which makes them
     * exactly 0 without a blend (blends whose mask is rarely true were left to the slow, allocating path).
     */
    private static double expLoop(float[] x, int off, int n, float shift, float[] up, boolean silu) {
        double sum = 0;
        float[] block = L < 16 && !silu ? GroupScratch.get().lanes : null;
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
            if (L < 16) {
                // Narrower vectors fill a block of 16 and sum it as 16 lanes would be: the same bits at any width.
                int at = i % 16;
                if (at == 0) {
                    java.util.Arrays.fill(block, 0f);
                }
                e.intoArray(block, at);
                if (at + L == 16 || i + L >= n) {
                    for (int h = 8; h >= 1; h /= 2) {
                        for (int k = 0; k < h; k++) {
                            block[k] += block[k + h];
                        }
                    }
                    sum += block[0];
                }
                continue;
            }
            // Reductions.sum, step for step.
            e = e.add(e.rearrange(Reductions.XOR_8));
            e = e.add(e.rearrange(Reductions.XOR_4));
            e = e.add(e.rearrange(Reductions.XOR_2));
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
