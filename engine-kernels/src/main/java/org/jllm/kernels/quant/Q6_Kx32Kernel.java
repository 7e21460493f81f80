package org.jllm.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jllm.kernels.Activations;

/**
 * Q6_K with 32 rows interleaved, the scalar reference of this layout. A super-block of a group of 32 rows is
 * {@value #GROUP_BLOCK_BYTES} bytes, the size of 32 stored ones: the rows' F16 d (row i at byte 2i), their sixteen
 * int8 scales (group g of row i at {@value #SCALES_AT} + 32g + i), then Q6_K's 128 bytes of low bits (byte k of row
 * i at {@value #QL_AT} + 32k + {@link #pairedLane}(i)) and 64 bytes of high bits ({@value #QH_AT} + 32k + the same
 * lane), each byte as stored.
 *
 * <p>The activations are Q8_K as for {@link Q6_KKernel}. A row's super-block sum is the exact integer
 * sum_g scale_g * sum((q - 32) * x) over its 16 groups of 16 values, accumulated as acc = fma(sum, d * d_x, acc):
 * another float order than the stored layout's kernel (within float rounding of it), and the vector kernel's exactly.
 */
public class Q6_Kx32Kernel extends RowGroupKernel {
    private static final int BLOCK = 256;
    private static final int ROW_BYTES = 210;
    public static final int GROUP_BLOCK_BYTES = ROWS * ROW_BYTES;
    public static final int SCALES_AT = 2 * ROWS;
    public static final int QL_AT = SCALES_AT + 16 * ROWS;
    public static final int QH_AT = QL_AT + 128 * ROWS;

    public Q6_Kx32Kernel() {
        super(new Q6_KKernel());
    }

    @Override
    public long interleavedBytes(long rows, int cols) {
        return rows * (cols / BLOCK) * ROW_BYTES;
    }

    @Override
    public void interleave(MemorySegment src, int cols, MemorySegment dst, int groupFrom, int groupTo) {
        int blocks = cols / BLOCK;
        byte[] in = new byte[ROW_BYTES];
        byte[] out = new byte[GROUP_BLOCK_BYTES];
        for (int g = groupFrom; g < groupTo; g++) {
            for (int b = 0; b < blocks; b++) {
                for (int i = 0; i < ROWS; i++) {
                    long at = ((long) (g * ROWS + i) * blocks + b) * ROW_BYTES;
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, at, in, 0, ROW_BYTES);
                    out[2 * i] = in[208];
                    out[2 * i + 1] = in[209];
                    for (int k = 0; k < 16; k++) {
                        out[SCALES_AT + ROWS * k + i] = in[192 + k];
                    }
                    for (int k = 0; k < 192; k++) { // ql then qh: QH_AT = QL_AT + 128 * ROWS
                        out[QL_AT + ROWS * k + pairedLane(i)] = in[k];
                    }
                }
                long to = ((long) g * blocks + b) * GROUP_BLOCK_BYTES;
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, to, GROUP_BLOCK_BYTES);
            }
        }
    }

    /** The 6-bit value (0..63) of value {@code v} of the row in {@code lane} of the super-block at {@code off}. */
    private static int q6(MemorySegment w, long off, int lane, int v) {
        int h = v / 128;
        int t = v % 128 / 32;
        int l = v % 32;
        int ql = Q4_Kx32Kernel.u8(w, off + QL_AT + ROWS * (64L * h + l + 32 * (t & 1)) + lane);
        int qh = Q4_Kx32Kernel.u8(w, off + QH_AT + ROWS * (32L * h + l) + lane);
        return (t < 2 ? ql & 15 : ql >>> 4) | ((qh >>> (2 * t)) & 3) << 4;
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        int blocks = cols / BLOCK;
        short[] xs = x.shorts();
        float[] xd = x.scales();
        for (int r = rowFrom; r < rowTo; r++) {
            int i = r % ROWS;
            long group = (long) (r / ROWS) * blocks * GROUP_BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                long off = group + (long) b * GROUP_BLOCK_BYTES;
                int sum = 0;
                for (int g = 0; g < 16; g++) {
                    int dot = 0;
                    for (int v = 16 * g; v < 16 * g + 16; v++) {
                        dot += (q6(w, off, pairedLane(i), v) - 32) * xs[b * BLOCK + v];
                    }
                    sum += w.get(ValueLayout.JAVA_BYTE, off + SCALES_AT + ROWS * g + i) * dot;
                }
                acc = Math.fma((float) sum, Q4_Kx32Kernel.f16(w, off + 2L * i) * xd[b], acc);
            }
            out[r] = acc;
        }
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
        int blocks = cols / BLOCK;
        int i = (int) (row % ROWS);
        long group = row / ROWS * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = group + (long) b * GROUP_BLOCK_BYTES;
            float d = Q4_Kx32Kernel.f16(w, off + 2L * i);
            for (int v = 0; v < BLOCK; v++) {
                float scale = d * w.get(ValueLayout.JAVA_BYTE, off + SCALES_AT + ROWS * (v / 16) + i);
                dst[dstOff + b * BLOCK + v] = scale * (q6(w, off, pairedLane(i), v) - 32);
            }
        }
    }
}
