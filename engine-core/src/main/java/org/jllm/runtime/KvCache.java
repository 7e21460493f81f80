package org.jllm.runtime;

/**
 * The keys and values of every position of one sequence, per layer, in F32. Layout: {@code [position][kvDim]} per
 * layer, so attention streams one position's keys (all KV heads) contiguously.
 */
public final class KvCache {
    private final int contextLength;
    private final int kvDim;
    private final float[][] keys;
    private final float[][] values;

    public KvCache(int layers, int contextLength, int kvDim) {
        if ((long) contextLength * kvDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a K/V cache of " + contextLength + " positions x " + kvDim
                    + " values per layer is too large; use a shorter context");
        }
        this.contextLength = contextLength;
        this.kvDim = kvDim;
        this.keys = new float[layers][contextLength * kvDim];
        this.values = new float[layers][contextLength * kvDim];
    }

    public int contextLength() {
        return contextLength;
    }

    public void store(int layer, int pos, float[] k, float[] v) {
        System.arraycopy(k, 0, keys[layer], pos * kvDim, kvDim);
        System.arraycopy(v, 0, values[layer], pos * kvDim, kvDim);
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Bytes this cache takes for {@code layers} x {@code contextLength} x {@code kvDim} keys and values. */
    public static long bytes(int layers, int contextLength, int kvDim) {
        return 2L * layers * contextLength * kvDim * Float.BYTES;
    }
}
