package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.WeightKernel;

/**
 * The 256-value super-block types (K-quants) on their integer path, as llama.cpp computes them against Q8_K
 * activations: per super-block a float scale d = 1/iscale with iscale = -127 / (the value of largest magnitude),
 * values rounded to nearest even (capped at 127), and int16 sums of every 16 values. A weight type supplies the 8
 * integer lane sums of one super-block (each lane the exact scaled integer dot product of the values llama.cpp's AVX2
 * kernel puts in that lane); they are FMA-accumulated into 8 float lanes with d_w * d_x and summed by halving. Types
 * with minimums add {@code dmin} terms into 4 further lanes, summed (0+2)+(1+3) at the end.
 */
public abstract class Q8KBlockKernel implements WeightKernel {
    public static final int BLOCK = 256;
    public static final int LANES = 8;
    protected static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GgmlType type;
    private final int scaleOffset;

    /** @param scaleOffset byte offset of the super-block's F16 scale d */
    protected Q8KBlockKernel(GgmlType type, int scaleOffset) {
        this.type = type;
        this.scaleOffset = scaleOffset;
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    /**
     * Activation quants are in {@code quants()}, scales in {@code scales()}, 16-value sums in {@code sums()} (small
     * integers, exact as floats) and {@code groupSums()}, and the quants regrouped per 32 values as
     * [m][k] = q[4k + m] in {@code ints()}.
     */
    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        int blocks = n / BLOCK;
        byte[] q = out.quants(n);
        float[] d = out.scales(blocks);
        float[] bsums = out.sums(n / 16);
        int[] groupSums = out.groupSums(n / 16);
        int[] regrouped = out.ints(n);
        short[] wide = out.shorts(n);
        for (int b = 0; b < blocks; b++) {
            int base = b * BLOCK;
            float max = Numbers.largestMagnitude(x, base, BLOCK);
            if (max == 0f) {
                d[b] = 0f;
                java.util.Arrays.fill(q, base, base + BLOCK, (byte) 0);
                java.util.Arrays.fill(bsums, base / 16, base / 16 + 16, 0f);
                java.util.Arrays.fill(groupSums, base / 16, base / 16 + 16, 0);
                java.util.Arrays.fill(regrouped, base, base + BLOCK, 0);
                java.util.Arrays.fill(wide, base, base + BLOCK, (short) 0);
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < BLOCK; j++) {
                q[base + j] = (byte) Math.min(127, nearestInt(iscale * x[base + j]));
                wide[base + j] = q[base + j];
            }
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int j = 0; j < 16; j++) {
                    sum += q[base + 16 * g + j];
                }
                bsums[base / 16 + g] = sum;
                groupSums[base / 16 + g] = sum;
            }
            for (int c = base; c < base + BLOCK; c += 32) {
                for (int m = 0; m < 4; m++) {
                    for (int k = 0; k < LANES; k++) {
                        regrouped[c + m * LANES + k] = q[c + 4 * k + m];
                    }
                }
            }
            d[b] = 1 / iscale;
        }
    }

    /** Each super-block of 256 quantized to Q8_K (as {@link #prepareInput}) and scaled back: d * q. */
    @Override
    public void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff) {
        for (int base = 0; base < n; base += BLOCK) {
            float max = Numbers.largestMagnitude(x, xOff + base, BLOCK);
            if (max == 0f) {
                java.util.Arrays.fill(dst, dstOff + base, dstOff + base + BLOCK, 0f);
                continue;
            }
            float iscale = -127f / max;
            float d = 1 / iscale;
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOff + base + j] = d * Math.min(127, nearestInt(iscale * x[xOff + base + j]));
            }
        }
    }

    /** Round to nearest, ties to even, as ggml's {@code nearest_int} (valid for |v| < 2^22). */
    protected static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /** The super-block's scale d. */
    protected final float scale(MemorySegment w, long block) {
        return f16(w, block + scaleOffset);
    }

    /**
     * Writes the 8 integer lane sums of the super-block at {@code block} against activations {@code xq[xOff..]}.
     */
    protected abstract void laneSums(MemorySegment w, long block, Activations x, int xOff, int[] lanes);

    /**
     * Adds this super-block's minimum terms, before its value terms, either into the 8 main lanes {@code acc} (Q2_K)
     * or into the 4 separate {@code minLanes} (Q4_K, Q5_K); nothing for types without minimums.
     *
     * @param xd    the activations' scale for this super-block
     * @param bsums the activations' 16-value sums, from {@code bsumOff}
     */
    protected void addMinimums(MemorySegment w, long block, float xd, float[] bsums, int bsumOff, float[] acc,
                               float[] minLanes) {
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        int blocks = cols / BLOCK;
        int bb = type().bytesPerBlock();
        float[] xd = x.scales();
        float[] bsums = x.sums();
        Scratch scratch = Scratch.get();
        float[] acc = scratch.acc;
        float[] minLanes = scratch.minLanes;
        int[] lanes = scratch.lanes;
        for (int r = rowFrom; r < rowTo; r++) {
            long row = (long) r * blocks * bb;
            java.util.Arrays.fill(acc, 0f);
            java.util.Arrays.fill(minLanes, 0f);
            for (int b = 0; b < blocks; b++) {
                long off = row + (long) b * bb;
                addMinimums(w, off, xd[b], bsums, b * 16, acc, minLanes);
                laneSums(w, off, x, b * BLOCK, lanes);
                float d = xd[b] * scale(w, off);
                for (int k = 0; k < LANES; k++) {
                    acc[k] = Math.fma(d, (float) lanes[k], acc[k]);
                }
            }
            out[r] = Q8BlockKernel.halvingSum(acc) + ((minLanes[0] + minLanes[2]) + (minLanes[1] + minLanes[3]));
        }
    }

    @Override
    public final void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
        int blocks = cols / BLOCK;
        int bb = type().bytesPerBlock();
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(w, (row * blocks + b) * bb, dst, dstOff + b * BLOCK);
        }
    }

    /** The 256 weights of the super-block at byte {@code block} as floats into {@code dst[off..off+256)}. */
    protected abstract void dequantizeBlock(MemorySegment w, long block, float[] dst, int off);

    /** The 8 lane sums of 8 chunks of 32 values, each with one scale per 16 values (Q2_K, Q3_K, Q6_K). */
    protected void chunkLaneSums(byte[] xq, int xOff, int[] values, int[] scales16, int[] lanes) {
        java.util.Arrays.fill(lanes, 0);
        for (int c = 0; c < 8; c++) {
            for (int k = 0; k < LANES; k++) {
                int sum = 0;
                for (int m = 0; m < 4; m++) {
                    int v = 32 * c + 4 * k + m;
                    sum += values[v] * xq[xOff + v];
                }
                lanes[k] += scales16[2 * c + (k < 4 ? 0 : 1)] * sum;
            }
        }
    }

    protected static int u8(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    protected static float f16(MemorySegment w, long at) {
        return Numbers.f16ToFloat(w.get(I16, at));
    }
}
