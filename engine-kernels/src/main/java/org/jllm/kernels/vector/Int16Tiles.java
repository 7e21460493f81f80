package org.jllm.kernels.vector;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.FloatOps;

/**
 * The vector kernel of {@link org.jllm.kernels.FloatOps#matMulInt16Tile}: tokens in the lanes (32 int16 lanes per
 * vector of activations at 512 bits, 16 at 256), one broadcast weight pair per row and column, products summed in int16 accumulators over a
 * block of 32 columns (exact: at most 32 x 8 x 127), then converted and scaled into float sums once per block. A
 * pass takes 4 rows and 4 vectors of tokens (then 2, then 1 for the tail): per column 4 loads, 4 broadcasts and 32
 * multiply-or-add operations for 512 products, where the float tile kernel takes 32 FMAs at 2 per cycle; measured in
 * cache, 1.9x the float kernel's products per second (4 x 2 vectors: 1.5x). The columns go in chunks that every row
 * of the tile takes while the chunk's activations are in L2 (rows of 8192 columns: 1.09x).
 */
final class Int16Tiles {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    /** Tokens per vector of activations: 32 at 512 bits, 16 at 256. */
    private static final int V = S.length();
    /** Half a vector of int16 sums, widened to the ints (then floats) of one full vector. */
    private static final VectorSpecies<Short> HALF =
            VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final int H = V / 2;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, S.vectorShape());
    /** With 256-bit vectors or wider. */
    static final boolean AVAILABLE = S.vectorBitSize() >= 256;
    /** Columns per chunk / 32: the chunk's activations for 128 tokens take 128 KiB. */
    private static final int CHUNK_BLOCKS = 16;
    /** Per thread: the float sums of a tile and the int16 sums of one pass's block. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Int16Tiles() {
    }

    /** Whether this kernel computes the tile (else the scalar reference does). */
    static boolean applies(int rows, int cols) {
        return AVAILABLE && rows % 4 == 0 && cols % 32 == 0;
    }

    /** {@link FloatOps#matMulInt16Tile}, rows a multiple of 4 ({@link #applies}). */
    static void matMul(int[] tile, float[] tileScales, int rows, int cols, short[] packed, float[] packedScales,
                       int n, float[] out) {
        int nPad = FloatOps.int16Padded(n);
        Scratch scratch = SCRATCH.get();
        float[] sums = scratch.sums(rows * nPad);
        short[] blockSums = scratch.blockSums;
        int blocks = cols / 32;
        // Columns in chunks, each taken by every row of the tile while its activations are in L2.
        for (int from = 0; from < blocks; from += CHUNK_BLOCKS) {
            int to = Math.min(blocks, from + CHUNK_BLOCKS);
            for (int r = 0; r < rows; r += 4) {
                passes(tile, r, cols, packed, nPad, tileScales, packedScales, sums, blockSums, from, to);
            }
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(sums, r * nPad, out, r * n, n);
        }
    }

    /** Rows r..r+3 times all tokens over blocks [from, to). */
    private static void passes(int[] tile, int r, int cols, short[] packed, int nPad, float[] tileScales,
                               float[] packedScales, float[] sums, short[] blockSums, int from, int to) {
        int blocks = cols / 32;
        int v = 0;
        for (; v + 4 * V <= nPad; v += 4 * V) {
            pass4x4(tile, r * cols, cols, packed, v, nPad, tileScales, r * blocks, packedScales, sums,
                    r * nPad + v, blockSums, from, to);
        }
        if (v + 2 * V <= nPad) {
            pass4x2(tile, r * cols, cols, packed, v, nPad, tileScales, r * blocks, packedScales, sums,
                    r * nPad + v, blockSums, from, to);
            v += 2 * V;
        }
        for (; v < nPad; v += V) {
            pass4x1(tile, r * cols, cols, packed, v, nPad, tileScales, r * blocks, packedScales, sums,
                    r * nPad + v, blockSums, from, to);
        }
    }

    /**
     * Rows from w0 ({@code cols} apart) with scales from d0 ({@code cols / 32} apart) times tokens x0..x0+4V over
     * blocks [from, to) into {@code sums} from p0 (rows nPad apart).
     */
    private static void pass4x4(int[] w, int w0, int cols, short[] x, int x0, int nPad, float[] wd, int d0,
                                float[] xd, float[] sums, int p0, short[] blockSums, int from, int to) {
        int blocks = cols / 32;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        for (int b = from; b < to; b++) {
            ShortVector a0 = ShortVector.zero(S);
            ShortVector a1 = a0;
            ShortVector a2 = a0;
            ShortVector a3 = a0;
            ShortVector b0 = a0;
            ShortVector b1 = a0;
            ShortVector b2 = a0;
            ShortVector b3 = a0;
            ShortVector c0 = a0;
            ShortVector c1 = a0;
            ShortVector c2 = a0;
            ShortVector c3 = a0;
            ShortVector e0 = a0;
            ShortVector e1 = a0;
            ShortVector e2 = a0;
            ShortVector e3 = a0;
            int k0 = b * 32;
            for (int k = k0, xo = k0 * nPad + x0; k < k0 + 32; k++, xo += nPad) {
                ShortVector u0 = ShortVector.fromArray(S, x, xo);
                ShortVector u1 = ShortVector.fromArray(S, x, xo + V);
                ShortVector u2 = ShortVector.fromArray(S, x, xo + 2 * V);
                ShortVector u3 = ShortVector.fromArray(S, x, xo + 3 * V);
                ShortVector m = IntVector.broadcast(I, w[w0 + k]).reinterpretAsShorts();
                a0 = m.mul(u0).add(a0);
                a1 = m.mul(u1).add(a1);
                a2 = m.mul(u2).add(a2);
                a3 = m.mul(u3).add(a3);
                m = IntVector.broadcast(I, w[w1 + k]).reinterpretAsShorts();
                b0 = m.mul(u0).add(b0);
                b1 = m.mul(u1).add(b1);
                b2 = m.mul(u2).add(b2);
                b3 = m.mul(u3).add(b3);
                m = IntVector.broadcast(I, w[w2 + k]).reinterpretAsShorts();
                c0 = m.mul(u0).add(c0);
                c1 = m.mul(u1).add(c1);
                c2 = m.mul(u2).add(c2);
                c3 = m.mul(u3).add(c3);
                m = IntVector.broadcast(I, w[w3 + k]).reinterpretAsShorts();
                e0 = m.mul(u0).add(e0);
                e1 = m.mul(u1).add(e1);
                e2 = m.mul(u2).add(e2);
                e3 = m.mul(u3).add(e3);
            }
            a0.intoArray(blockSums, 0);
            a1.intoArray(blockSums, V);
            a2.intoArray(blockSums, 2 * V);
            a3.intoArray(blockSums, 3 * V);
            b0.intoArray(blockSums, 4 * V);
            b1.intoArray(blockSums, 5 * V);
            b2.intoArray(blockSums, 6 * V);
            b3.intoArray(blockSums, 7 * V);
            c0.intoArray(blockSums, 8 * V);
            c1.intoArray(blockSums, 9 * V);
            c2.intoArray(blockSums, 10 * V);
            c3.intoArray(blockSums, 11 * V);
            e0.intoArray(blockSums, 12 * V);
            e1.intoArray(blockSums, 13 * V);
            e2.intoArray(blockSums, 14 * V);
            e3.intoArray(blockSums, 15 * V);
            // The block's sums through memory, added here: the same loop in a helper measured 6-9 % slower.
            int xs = b * nPad + x0;
            float dw0 = wd[d0 + b];
            float dw1 = wd[d0 + blocks + b];
            float dw2 = wd[d0 + 2 * blocks + b];
            float dw3 = wd[d0 + 3 * blocks + b];
            for (int h = 0; h < 8; h++) {
                FloatVector tokenScales = FloatVector.fromArray(F, xd, xs + H * h);
                int p = p0 + H * h;
                FloatVector sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw0), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
                p += nPad;
                sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, 4 * V + H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw1), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
                p += nPad;
                sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, 8 * V + H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw2), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
                p += nPad;
                sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, 12 * V + H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw3), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
            }
        }
    }

    /** {@link #pass4x4} for two vectors of tokens. */
    private static void pass4x2(int[] w, int w0, int cols, short[] x, int x0, int nPad, float[] wd, int d0,
                                float[] xd, float[] sums, int p0, short[] blockSums, int from, int to) {
        int blocks = cols / 32;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        for (int b = from; b < to; b++) {
            ShortVector a0 = ShortVector.zero(S);
            ShortVector a1 = a0;
            ShortVector b0 = a0;
            ShortVector b1 = a0;
            ShortVector c0 = a0;
            ShortVector c1 = a0;
            ShortVector e0 = a0;
            ShortVector e1 = a0;
            int k0 = b * 32;
            for (int k = k0, xo = k0 * nPad + x0; k < k0 + 32; k++, xo += nPad) {
                ShortVector u0 = ShortVector.fromArray(S, x, xo);
                ShortVector u1 = ShortVector.fromArray(S, x, xo + V);
                ShortVector m = IntVector.broadcast(I, w[w0 + k]).reinterpretAsShorts();
                a0 = m.mul(u0).add(a0);
                a1 = m.mul(u1).add(a1);
                m = IntVector.broadcast(I, w[w1 + k]).reinterpretAsShorts();
                b0 = m.mul(u0).add(b0);
                b1 = m.mul(u1).add(b1);
                m = IntVector.broadcast(I, w[w2 + k]).reinterpretAsShorts();
                c0 = m.mul(u0).add(c0);
                c1 = m.mul(u1).add(c1);
                m = IntVector.broadcast(I, w[w3 + k]).reinterpretAsShorts();
                e0 = m.mul(u0).add(e0);
                e1 = m.mul(u1).add(e1);
            }
            a0.intoArray(blockSums, 0);
            a1.intoArray(blockSums, V);
            b0.intoArray(blockSums, 2 * V);
            b1.intoArray(blockSums, 3 * V);
            c0.intoArray(blockSums, 4 * V);
            c1.intoArray(blockSums, 5 * V);
            e0.intoArray(blockSums, 6 * V);
            e1.intoArray(blockSums, 7 * V);
            // The block's sums through memory, added here: the same loop in a helper measured 6-9 % slower.
            int xs = b * nPad + x0;
            float dw0 = wd[d0 + b];
            float dw1 = wd[d0 + blocks + b];
            float dw2 = wd[d0 + 2 * blocks + b];
            float dw3 = wd[d0 + 3 * blocks + b];
            for (int h = 0; h < 4; h++) {
                FloatVector tokenScales = FloatVector.fromArray(F, xd, xs + H * h);
                int p = p0 + H * h;
                FloatVector sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw0), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
                p += nPad;
                sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, 2 * V + H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw1), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
                p += nPad;
                sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, 4 * V + H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw2), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
                p += nPad;
                sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, 6 * V + H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw3), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
            }
        }
    }

    /** {@link #pass4x2} for one vector of tokens. */
    private static void pass4x1(int[] w, int w0, int cols, short[] x, int x0, int nPad, float[] wd, int d0,
                                float[] xd, float[] sums, int p0, short[] blockSums, int from, int to) {
        int blocks = cols / 32;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        for (int b = from; b < to; b++) {
            ShortVector a0 = ShortVector.zero(S);
            ShortVector b0 = a0;
            ShortVector c0 = a0;
            ShortVector e0 = a0;
            int k0 = b * 32;
            for (int k = k0, xo = k0 * nPad + x0; k < k0 + 32; k++, xo += nPad) {
                ShortVector u0 = ShortVector.fromArray(S, x, xo);
                a0 = IntVector.broadcast(I, w[w0 + k]).reinterpretAsShorts().mul(u0).add(a0);
                b0 = IntVector.broadcast(I, w[w1 + k]).reinterpretAsShorts().mul(u0).add(b0);
                c0 = IntVector.broadcast(I, w[w2 + k]).reinterpretAsShorts().mul(u0).add(c0);
                e0 = IntVector.broadcast(I, w[w3 + k]).reinterpretAsShorts().mul(u0).add(e0);
            }
            a0.intoArray(blockSums, 0);
            b0.intoArray(blockSums, V);
            c0.intoArray(blockSums, 2 * V);
            e0.intoArray(blockSums, 3 * V);
            // The block's sums through memory, added here: the same loop in a helper measured 6-9 % slower.
            int xs = b * nPad + x0;
            float dw0 = wd[d0 + b];
            float dw1 = wd[d0 + blocks + b];
            float dw2 = wd[d0 + 2 * blocks + b];
            float dw3 = wd[d0 + 3 * blocks + b];
            for (int h = 0; h < 2; h++) {
                FloatVector tokenScales = FloatVector.fromArray(F, xd, xs + H * h);
                int p = p0 + H * h;
                FloatVector sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw0), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
                p += nPad;
                sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, V + H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw1), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
                p += nPad;
                sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, 2 * V + H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw2), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
                p += nPad;
                sum = (FloatVector) ShortVector.fromArray(HALF, blockSums, 3 * V + H * h)
                        .convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
                sum.fma(tokenScales.mul(dw3), FloatVector.fromArray(F, sums, p)).intoArray(sums, p);
            }
        }
    }

    private static final class Scratch {
        private float[] sums = new float[0];
        final short[] blockSums = new short[512];

        /** Zeroed float sums, at least {@code size} long. */
        float[] sums(int size) {
            if (sums.length < size) {
                sums = new float[size];
            }
            Arrays.fill(sums, 0, size, 0f);
            return sums;
        }
    }
}
