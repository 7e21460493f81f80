package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.LaneMajor;

/** 16 x 16 transpositions at 16 float lanes: {@link LaneMajor}'s order and the token-in-lane layout of a block. */
final class Transposes {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Whether the platform has the 16 lanes these need. */
    static final boolean AVAILABLE = S.length() == 16;

    // Stage h: lanes of the first row with bit h set take the second row's lanes (j - h), and the other way round.
    private static final FloatVector LOW_8 = swap(8, true);
    private static final FloatVector HIGH_8 = swap(8, false);
    private static final FloatVector LOW_4 = swap(4, true);
    private static final FloatVector HIGH_4 = swap(4, false);
    private static final FloatVector LOW_2 = swap(2, true);
    private static final FloatVector HIGH_2 = swap(2, false);
    private static final FloatVector LOW_1 = swap(1, true);
    private static final FloatVector HIGH_1 = swap(1, false);

    private Transposes() {
    }

    private static FloatVector swap(int h, boolean low) {
        float[] index = new float[S.length()];
        if (AVAILABLE) {
            for (int j = 0; j < 16; j++) {
                if (low) {
                    index[j] = (j & h) == 0 ? j : 16 + j - h;
                } else {
                    index[j] = (j & h) == 0 ? j + h : 16 + j;
                }
            }
        }
        return FloatVector.fromArray(S, index, 0);
    }

    /** {@link LaneMajor#arrange}, 16 x 16 blocks at a time. Only at 16 lanes. */
    static void laneMajor(float[] v, int off, int cols) {
        if (!LaneMajor.applies(cols)) {
            return;
        }
        int c = cols / 16;
        float[] copy = LaneMajor.scratch(cols);
        int i = 0;
        for (; i + 16 <= c; i += 16) {
            transpose16(v, off + 16 * i, 16, copy, i, c);
        }
        for (; i < c; i++) {
            for (int j = 0; j < 16; j++) {
                copy[j * c + i] = v[off + 16 * i + j];
            }
        }
        System.arraycopy(copy, 0, v, off, cols);
    }

    /**
     * {@code packed[k nPad + t] = x[t cols + k]} for {@code t < n}, zero for {@code n <= t < nPad} (a multiple of
     * 16): a block of tokens with the token in the lane; in 16 x 16 transpositions where {@code wide} (16 lanes),
     * else value by value.
     */
    static void tokensInLanes(float[] x, int n, int cols, float[] packed, int nPad, boolean wide) {
        int t = 0;
        int k16 = cols & ~15;
        for (; wide && t + 16 <= n; t += 16) {
            for (int k = 0; k < k16; k += 16) {
                transpose16(x, t * cols + k, cols, packed, k * nPad + t, nPad);
            }
        }
        for (int k = 0; k < cols; k++) {
            int p = k * nPad;
            for (int u = (k < k16 ? t : 0); u < nPad; u++) {
                packed[p + u] = u < n ? x[u * cols + k] : 0f;
            }
        }
    }

    /**
     * The transpose of a 16 x 16 block: {@code dst[d + j dstStride + i] = src[s + i srcStride + j]}. Four stages, each
     * exchanging one bit of the row and the lane index between pairs of rows with two-vector permutes. Written out:
     * 16 vectors live in registers, none in an array (which would box them).
     */
    static void transpose16(float[] src, int s, int srcStride, float[] dst, int d, int dstStride) {
        FloatVector r0 = FloatVector.fromArray(S, src, s);
        FloatVector r1 = FloatVector.fromArray(S, src, s + 1 * srcStride);
        FloatVector r2 = FloatVector.fromArray(S, src, s + 2 * srcStride);
        FloatVector r3 = FloatVector.fromArray(S, src, s + 3 * srcStride);
        FloatVector r4 = FloatVector.fromArray(S, src, s + 4 * srcStride);
        FloatVector r5 = FloatVector.fromArray(S, src, s + 5 * srcStride);
        FloatVector r6 = FloatVector.fromArray(S, src, s + 6 * srcStride);
        FloatVector r7 = FloatVector.fromArray(S, src, s + 7 * srcStride);
        FloatVector r8 = FloatVector.fromArray(S, src, s + 8 * srcStride);
        FloatVector r9 = FloatVector.fromArray(S, src, s + 9 * srcStride);
        FloatVector r10 = FloatVector.fromArray(S, src, s + 10 * srcStride);
        FloatVector r11 = FloatVector.fromArray(S, src, s + 11 * srcStride);
        FloatVector r12 = FloatVector.fromArray(S, src, s + 12 * srcStride);
        FloatVector r13 = FloatVector.fromArray(S, src, s + 13 * srcStride);
        FloatVector r14 = FloatVector.fromArray(S, src, s + 14 * srcStride);
        FloatVector r15 = FloatVector.fromArray(S, src, s + 15 * srcStride);
        FloatVector a0 = LOW_8.selectFrom(r0, r8);
        FloatVector a8 = HIGH_8.selectFrom(r0, r8);
        FloatVector a1 = LOW_8.selectFrom(r1, r9);
        FloatVector a9 = HIGH_8.selectFrom(r1, r9);
        FloatVector a2 = LOW_8.selectFrom(r2, r10);
        FloatVector a10 = HIGH_8.selectFrom(r2, r10);
        FloatVector a3 = LOW_8.selectFrom(r3, r11);
        FloatVector a11 = HIGH_8.selectFrom(r3, r11);
        FloatVector a4 = LOW_8.selectFrom(r4, r12);
        FloatVector a12 = HIGH_8.selectFrom(r4, r12);
        FloatVector a5 = LOW_8.selectFrom(r5, r13);
        FloatVector a13 = HIGH_8.selectFrom(r5, r13);
        FloatVector a6 = LOW_8.selectFrom(r6, r14);
        FloatVector a14 = HIGH_8.selectFrom(r6, r14);
        FloatVector a7 = LOW_8.selectFrom(r7, r15);
        FloatVector a15 = HIGH_8.selectFrom(r7, r15);
        FloatVector b0 = LOW_4.selectFrom(a0, a4);
        FloatVector b4 = HIGH_4.selectFrom(a0, a4);
        FloatVector b1 = LOW_4.selectFrom(a1, a5);
        FloatVector b5 = HIGH_4.selectFrom(a1, a5);
        FloatVector b2 = LOW_4.selectFrom(a2, a6);
        FloatVector b6 = HIGH_4.selectFrom(a2, a6);
        FloatVector b3 = LOW_4.selectFrom(a3, a7);
        FloatVector b7 = HIGH_4.selectFrom(a3, a7);
        FloatVector b8 = LOW_4.selectFrom(a8, a12);
        FloatVector b12 = HIGH_4.selectFrom(a8, a12);
        FloatVector b9 = LOW_4.selectFrom(a9, a13);
        FloatVector b13 = HIGH_4.selectFrom(a9, a13);
        FloatVector b10 = LOW_4.selectFrom(a10, a14);
        FloatVector b14 = HIGH_4.selectFrom(a10, a14);
        FloatVector b11 = LOW_4.selectFrom(a11, a15);
        FloatVector b15 = HIGH_4.selectFrom(a11, a15);
        FloatVector c0 = LOW_2.selectFrom(b0, b2);
        FloatVector c2 = HIGH_2.selectFrom(b0, b2);
        FloatVector c1 = LOW_2.selectFrom(b1, b3);
        FloatVector c3 = HIGH_2.selectFrom(b1, b3);
        FloatVector c4 = LOW_2.selectFrom(b4, b6);
        FloatVector c6 = HIGH_2.selectFrom(b4, b6);
        FloatVector c5 = LOW_2.selectFrom(b5, b7);
        FloatVector c7 = HIGH_2.selectFrom(b5, b7);
        FloatVector c8 = LOW_2.selectFrom(b8, b10);
        FloatVector c10 = HIGH_2.selectFrom(b8, b10);
        FloatVector c9 = LOW_2.selectFrom(b9, b11);
        FloatVector c11 = HIGH_2.selectFrom(b9, b11);
        FloatVector c12 = LOW_2.selectFrom(b12, b14);
        FloatVector c14 = HIGH_2.selectFrom(b12, b14);
        FloatVector c13 = LOW_2.selectFrom(b13, b15);
        FloatVector c15 = HIGH_2.selectFrom(b13, b15);
        FloatVector d0 = LOW_1.selectFrom(c0, c1);
        FloatVector d1 = HIGH_1.selectFrom(c0, c1);
        FloatVector d2 = LOW_1.selectFrom(c2, c3);
        FloatVector d3 = HIGH_1.selectFrom(c2, c3);
        FloatVector d4 = LOW_1.selectFrom(c4, c5);
        FloatVector d5 = HIGH_1.selectFrom(c4, c5);
        FloatVector d6 = LOW_1.selectFrom(c6, c7);
        FloatVector d7 = HIGH_1.selectFrom(c6, c7);
        FloatVector d8 = LOW_1.selectFrom(c8, c9);
        FloatVector d9 = HIGH_1.selectFrom(c8, c9);
        FloatVector d10 = LOW_1.selectFrom(c10, c11);
        FloatVector d11 = HIGH_1.selectFrom(c10, c11);
        FloatVector d12 = LOW_1.selectFrom(c12, c13);
        FloatVector d13 = HIGH_1.selectFrom(c12, c13);
        FloatVector d14 = LOW_1.selectFrom(c14, c15);
        FloatVector d15 = HIGH_1.selectFrom(c14, c15);
        d0.intoArray(dst, d);
        d1.intoArray(dst, d + 1 * dstStride);
        d2.intoArray(dst, d + 2 * dstStride);
        d3.intoArray(dst, d + 3 * dstStride);
        d4.intoArray(dst, d + 4 * dstStride);
        d5.intoArray(dst, d + 5 * dstStride);
        d6.intoArray(dst, d + 6 * dstStride);
        d7.intoArray(dst, d + 7 * dstStride);
        d8.intoArray(dst, d + 8 * dstStride);
        d9.intoArray(dst, d + 9 * dstStride);
        d10.intoArray(dst, d + 10 * dstStride);
        d11.intoArray(dst, d + 11 * dstStride);
        d12.intoArray(dst, d + 12 * dstStride);
        d13.intoArray(dst, d + 13 * dstStride);
        d14.intoArray(dst, d + 14 * dstStride);
        d15.intoArray(dst, d + 15 * dstStride);
    }
}
