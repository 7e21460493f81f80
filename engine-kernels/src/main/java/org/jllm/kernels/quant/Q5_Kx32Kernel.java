package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Activations;

/**
 * Q5_K with 32 rows interleaved, the scalar reference of this layout: {@link Q4_Kx32Kernel}'s header (d, dmin,
 * minimums, scales; its offsets), then Q5_K's 32 bytes of fifth bits, byte l of the 32 rows at {@value #HIGH_BITS_AT}
 * + 32l + {@link #pairedLane}(i), then its 128 bytes of nibbles as in Q4_K ({@value #VALUES_AT} + 1024j + 32l + the
 * same lane). {@value #GROUP_BLOCK_BYTES} bytes per super-block of a group, 2.3 % more than stored.
 *
 * <p>Value 32s + l of a super-block (sub-block s = 2j or 2j + 1) is the low or high nibble of byte 32j + l plus bit s
 * of fifth-bit byte l, times 16. A row's sums are Q4_Kx32Kernel's: the exact integers sum_s scale_s * dot_s and
 * sum_s min_s * xsum_s, accumulated as acc = fma(sum, d * d_x, acc) and mins = fma(minSum, dmin * d_x, mins).
 */
public class Q5_Kx32Kernel extends RowGroupKernel {
    private static final int BLOCK = 256;
    public static final int GROUP_BLOCK_BYTES = ROWS * 180;
    public static final int HIGH_BITS_AT = Q4_Kx32Kernel.VALUES_AT;
    public static final int VALUES_AT = HIGH_BITS_AT + 32 * ROWS;

    public Q5_Kx32Kernel() {
        super(new Q5_KKernel(), GROUP_BLOCK_BYTES);
    }

    @Override
    protected void placeRow(byte[] in, int i, byte[] out) {
        Q4_Kx32Kernel.placeHeader(in, i, out);
        int lane = pairedLane(i);
        for (int l = 0; l < 32; l++) {
            out[HIGH_BITS_AT + ROWS * l + lane] = in[16 + l];
        }
        for (int k = 0; k < 128; k++) {
            out[VALUES_AT + ROWS * k + lane] = in[48 + k];
        }
    }

    /** Value 32s + l (0..31) of the row in {@code lane} of the super-block at {@code off}. */
    private static int q5(MemorySegment w, long off, int lane, int s, int l) {
        int v = Q4_Kx32Kernel.u8(w, off + VALUES_AT + ROWS * (32L * (s / 2) + l) + lane);
        int h = Q4_Kx32Kernel.u8(w, off + HIGH_BITS_AT + ROWS * l + lane);
        return (s % 2 == 0 ? v & 15 : v >>> 4) | ((h >>> s) & 1) << 4;
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / BLOCK;
        short[] xs = x.shorts();
        float[] xd = x.scales();
        int[] xsum = x.groupSums();
        for (int r = rowFrom; r < rowTo; r++) {
            int i = r % ROWS;
            int lane = pairedLane(i);
            long group = (long) (r / ROWS) * blocks * GROUP_BLOCK_BYTES;
            float acc = 0f;
            float mins = 0f;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * GROUP_BLOCK_BYTES;
                int sum = 0;
                int minSum = 0;
                for (int s = 0; s < 8; s++) {
                    int dot = 0;
                    for (int l = 0; l < 32; l++) {
                        dot += q5(w, off, lane, s, l) * xs[b * BLOCK + 32 * s + l];
                    }
                    sum += Q4_Kx32Kernel.u8(w, off + Q4_Kx32Kernel.SCALES_AT + ROWS * s + i) * dot;
                    minSum += Q4_Kx32Kernel.u8(w, off + Q4_Kx32Kernel.MINS_AT + ROWS * s + i)
                            * (xsum[b * 16 + 2 * s] + xsum[b * 16 + 2 * s + 1]);
                }
                acc = Math.fma((float) sum, Q4_Kx32Kernel.f16(w, off + 2L * i) * xd[b], acc);
                mins = Math.fma((float) minSum, Q4_Kx32Kernel.f16(w, off + Q4_Kx32Kernel.DMIN_AT + 2L * i) * xd[b],
                        mins);
            }
            out[r] = acc - mins;
        }
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
        int blocks = cols / BLOCK;
        int i = (int) (row % ROWS);
        int lane = pairedLane(i);
        long group = row / ROWS * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = group + (long) b * GROUP_BLOCK_BYTES;
            float d = Q4_Kx32Kernel.f16(w, off + 2L * i);
            float dmin = Q4_Kx32Kernel.f16(w, off + Q4_Kx32Kernel.DMIN_AT + 2L * i);
            for (int s = 0; s < 8; s++) {
                float scale = d * Q4_Kx32Kernel.u8(w, off + Q4_Kx32Kernel.SCALES_AT + ROWS * s + i);
                float min = dmin * Q4_Kx32Kernel.u8(w, off + Q4_Kx32Kernel.MINS_AT + ROWS * s + i);
                for (int l = 0; l < 32; l++) {
                    dst[dstOff + b * BLOCK + 32 * s + l] = scale * q5(w, off, lane, s, l) - min;
                }
            }
        }
    }
}
