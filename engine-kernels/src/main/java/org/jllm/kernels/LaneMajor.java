package org.jllm.kernels;

/**
 * The column order in which {@link FloatOps#matMulTile} reads rows of {@code cols = 16 c} values: the values that
 * lane j of a 16-lane dot product adds (columns j, j + 16, j + 32, ...) gathered as columns {@code [j c, (j + 1) c)}.
 * A tile in this order sums each row-token pair exactly as {@link FloatOps#dot} sums the rows in natural order.
 * Rows of other lengths keep their order (their dot products are summed in steps that no lane order reproduces).
 */
public final class LaneMajor {
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private LaneMajor() {
    }

    /** Whether rows of this length are rearranged. */
    public static boolean applies(int cols) {
        return cols % 16 == 0;
    }

    /** Rearranges {@code v[off..off+cols)} in place: column {@code 16 i + j} moves to {@code j c + i}. */
    public static void arrange(float[] v, int off, int cols) {
        if (!applies(cols)) {
            return;
        }
        float[] copy = scratch(cols);
        System.arraycopy(v, off, copy, 0, cols);
        int c = cols / 16;
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < 16; j++) {
                v[off + j * c + i] = copy[16 * i + j];
            }
        }
    }

    /**
     * The dot product of two rows in this order ({@code a} and {@code b} values {@code aStride} and {@code bStride}
     * apart): lane class j summed column after column with fused multiply-adds, the 16 sums added by halving. For
     * lane-major rows, exactly {@link FloatOps#dot} of the natural rows.
     */
    public static float dot(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, int cols) {
        int c = cols / 16;
        float[] lanes = new float[16];
        for (int j = 0; j < 16; j++) {
            float acc = 0f;
            for (int i = j * c; i < (j + 1) * c; i++) {
                acc = Math.fma(a[aOff + i * aStride], b[bOff + i * bStride], acc);
            }
            lanes[j] = acc;
        }
        for (int h = 8; h >= 1; h /= 2) {
            for (int j = 0; j < h; j++) {
                lanes[j] += lanes[j + h];
            }
        }
        return lanes[0];
    }

    /** A per-thread array of at least {@code n} floats, for implementations that rearrange through a copy. */
    public static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length < n) {
            s = new float[n];
            SCRATCH.set(s);
        }
        return s;
    }
}
