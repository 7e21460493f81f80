package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.WeightKernel;

/**
 * The 32-value block types whose dot products llama.cpp takes against 8-bit activations (Q8_0, Q4_0, Q5_0, and with
 * a per-block minimum Q4_1, Q5_1): weight = d * q (+ m). This is the scalar reference of their integer path.
 *
 * <p>Activations are quantized to Q8_0 (Q8_1 for types with a minimum: the same plus s = d * sum(q), rounded to
 * F16), as llama.cpp's x86 {@code quantize_row_q8_0/1}: F16 scale amax / 127, values x * 127 / amax rounded to nearest
 * even. A block's integer dot product is taken as 8 partial sums of 4 consecutive products, scaled by d_w * d_x and
 * FMA-accumulated into 8 float lanes summed by halving at the end; minimums add m_w * s_x into one float. That is the
 * order of llama.cpp's AVX2 kernels, so results match it to the bit until an activation rounding flips.
 */
public abstract class Q8BlockKernel implements WeightKernel {
    public static final int BLOCK = 32;
    /** Float lanes of the accumulator (llama.cpp's AVX2 kernels: one 256-bit register). */
    public static final int LANES = 8;
    protected static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GgmlType type;
    private final boolean hasMinimum;

    /** @param hasMinimum whether blocks carry a minimum m after d (weight = d * q + m) */
    protected Q8BlockKernel(GgmlType type, boolean hasMinimum) {
        this.type = type;
        this.hasMinimum = hasMinimum;
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    /** Bytes of one block. */
    public int blockBytes() {
        return type().bytesPerBlock();
    }

    /** The block's scale d. */
    public float scale(MemorySegment w, long block) {
        return Numbers.f16ToFloat(w.get(I16, block));
    }

    /** Whether blocks carry a minimum m (weight = d * q + m). */
    public final boolean hasMinimum() {
        return hasMinimum;
    }

    /** The block's minimum m (types with {@link #hasMinimum()}). */
    public float minimum(MemorySegment w, long block) {
        return Numbers.f16ToFloat(w.get(I16, block + 2));
    }

    /** The 32 integer weights of the block at byte offset {@code block}, in order. */
    protected abstract void unpack(MemorySegment w, long block, int[] q);

    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        int blocks = n / BLOCK;
        byte[] q = out.quants(n);
        float[] d = out.scales(blocks);
        float[] s = out.sums(blocks);
        int[] regrouped = out.ints(n);
        short[] wide = out.shorts(n);
        for (int b = 0; b < blocks; b++) {
            int base = b * BLOCK;
            float amax = quantizeBlock(x, base, wide, base);
            float scale = amax / 127f;
            d[b] = Numbers.roundToF16(scale);
            int sum = 0;
            for (int j = 0; j < BLOCK; j++) {
                q[base + j] = (byte) wide[base + j];
                sum += q[base + j];
            }
            s[b] = Numbers.roundToF16(scale * sum);
            // The same values regrouped as [m][k] = q[4k + m] (m < 4, k < 8), the layout of the vector lanes.
            for (int m = 0; m < 4; m++) {
                for (int k = 0; k < LANES; k++) {
                    regrouped[base + m * LANES + k] = q[base + 4 * k + m];
                }
            }
        }
    }

    /**
     * x[off..off+32) quantized to Q8_0 as llama.cpp's {@code quantize_row_q8_0}: values x * 127 / amax rounded to
     * nearest even into {@code q[qOff..qOff+32)}; returns amax (the block's scale is amax / 127, rounded to F16).
     */
    static float quantizeBlock(float[] x, int off, short[] q, int qOff) {
        float amax = 0f;
        for (int j = 0; j < BLOCK; j++) {
            amax = Math.max(amax, Math.abs(x[off + j]));
        }
        float id = amax != 0f ? 127f / amax : 0f;
        for (int j = 0; j < BLOCK; j++) {
            q[qOff + j] = (short) Math.rint(x[off + j] * id);
        }
        return amax;
    }

    /**
     * Block by block, 32 tokens at a time: quantized in place (loops the JIT vectorizes), then transposed so that each
     * column's 32 tokens are written as one cache line.
     */
    @Override
    public void int16Input(float[][] x, int from, int to, int cols, short[] packed, float[] scales, int nPad) {
        short[] blocks = new short[BLOCK * BLOCK];
        for (int t0 = from; t0 < to; t0 += BLOCK) {
            int count = Math.min(BLOCK, to - t0);
            for (int b = 0; b < cols / BLOCK; b++) {
                for (int i = 0; i < count; i++) {
                    float amax = quantizeBlock(x[t0 + i], b * BLOCK, blocks, i * BLOCK);
                    scales[b * nPad + t0 + i] = Numbers.roundToF16(amax / 127f);
                }
                for (int j = 0; j < BLOCK; j++) {
                    int at = (b * BLOCK + j) * nPad + t0;
                    for (int i = 0; i < count; i++) {
                        packed[at + i] = blocks[i * BLOCK + j];
                    }
                }
            }
        }
    }

    /** Each block of 32 quantized to Q8_0 (as {@link #prepareInput}) and scaled back: d * q. */
    @Override
    public void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff) {
        short[] q = new short[BLOCK];
        for (int base = 0; base < n; base += BLOCK) {
            float d = Numbers.roundToF16(quantizeBlock(x, xOff + base, q, 0) / 127f);
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOff + base + j] = d * q[j];
            }
        }
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        int blocks = cols / BLOCK;
        int bb = blockBytes();
        byte[] xq = x.quants();
        float[] xd = x.scales();
        float[] xs = x.sums();
        Scratch scratch = Scratch.get();
        float[] acc = scratch.acc;
        int[] q = scratch.block;
        boolean min = hasMinimum();
        for (int r = rowFrom; r < rowTo; r++) {
            long row = (long) r * blocks * bb;
            java.util.Arrays.fill(acc, 0f);
            float mins = 0f;
            for (int b = 0; b < blocks; b++) {
                long off = row + (long) b * bb;
                unpack(w, off, q);
                float d = scale(w, off) * xd[b];
                for (int k = 0; k < LANES; k++) {
                    int sum = 0;
                    for (int m = 0; m < 4; m++) {
                        sum += q[4 * k + m] * xq[b * BLOCK + 4 * k + m];
                    }
                    acc[k] = Math.fma(d, (float) sum, acc[k]);
                }
                if (min) {
                    mins += minimum(w, off) * xs[b];
                }
            }
            out[r] = halvingSum(acc) + mins;
        }
    }

    /** Lane i plus lane i + h for h = LANES/2 .. 1; the total ends in lane 0. */
    public static float halvingSum(float[] lanes) {
        for (int h = lanes.length / 2; h >= 1; h /= 2) {
            for (int j = 0; j < h; j++) {
                lanes[j] += lanes[j + h];
            }
        }
        return lanes[0];
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
        int blocks = cols / BLOCK;
        int bb = blockBytes();
        int[] q = Scratch.get().block;
        long base = row * blocks * bb;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * bb;
            unpack(w, off, q);
            float d = scale(w, off);
            float m = hasMinimum() ? minimum(w, off) : 0f;
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOff + b * BLOCK + j] = hasMinimum() ? d * q[j] + m : d * q[j];
            }
        }
    }
}
