package org.jllm.runtime;

import org.jllm.KvCacheType;
import org.jllm.kernels.FloatOps;

/**
 * The keys and values of every position of one sequence, per layer, in F32 or F16. Layout: {@code
 * [kvHead][position][headDim]} per layer, so that attention, which splits the K/V heads over threads, streams each
 * head's keys and values contiguously, position after position. An F16 cache converts the head values a call reads
 * into a buffer.
 */
public final class KvCache {
    private final KvCacheType type;
    private final int contextLength;
    private final int kvHeads;
    private final int headDim;
    private final float[][] keys;
    private final float[][] values;
    private final short[][] halfKeys;
    private final short[][] halfValues;
    private final float[] row;

    public KvCache(KvCacheType type, int layers, int contextLength, int kvHeads, int headDim) {
        if ((long) contextLength * kvHeads * headDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a K/V cache of " + contextLength + " positions x " + kvHeads * headDim
                    + " values per layer is too large; use a shorter context");
        }
        this.type = type;
        this.contextLength = contextLength;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        int n = contextLength * kvHeads * headDim;
        boolean half = type == KvCacheType.F16;
        this.keys = half ? null : new float[layers][n];
        this.values = half ? null : new float[layers][n];
        this.halfKeys = half ? new short[layers][n] : null;
        this.halfValues = half ? new short[layers][n] : null;
        this.row = half ? new float[kvHeads * headDim] : null;
    }

    public KvCacheType type() {
        return type;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Stores position {@code pos}'s keys and values, {@link #kvDim} each (head after head). */
    public void store(int layer, int pos, float[] k, float[] v) {
        for (int h = 0; h < kvHeads; h++) {
            int at = stored(pos, h);
            if (keys != null) {
                System.arraycopy(k, h * headDim, keys[layer], at, headDim);
                System.arraycopy(v, h * headDim, values[layer], at, headDim);
            } else {
                FloatOps.toHalf(k, h * headDim, halfKeys[layer], at, headDim);
                FloatOps.toHalf(v, h * headDim, halfValues[layer], at, headDim);
            }
        }
    }

    /** Where head {@code kvHead} of position {@code pos} starts in a layer's stored array. */
    private int stored(int pos, int kvHead) {
        return (kvHead * contextLength + pos) * headDim;
    }

    /**
     * The keys of K/V head {@code kvHead} at position {@code pos} as floats, at {@link #offset offset(pos, kvHead)}
     * of the returned array: the layer's array (F32), or the cache's row buffer, where this call converts just that
     * head (so threads reading different heads do not interfere); valid until the next call for the same head.
     */
    public float[] keys(int layer, int pos, int kvHead) {
        return keys(layer, pos, kvHead, row);
    }

    /** The values of K/V head {@code kvHead} at position {@code pos}, as {@link #keys}; they share the row buffer. */
    public float[] values(int layer, int pos, int kvHead) {
        return values(layer, pos, kvHead, row);
    }

    /** As {@link #keys(int, int, int)}, converting an F16 head into {@code buffer} ({@link #kvDim} long). */
    public float[] keys(int layer, int pos, int kvHead, float[] buffer) {
        if (keys != null) {
            return keys[layer];
        }
        FloatOps.fromHalf(halfKeys[layer], stored(pos, kvHead), buffer, kvHead * headDim, headDim);
        return buffer;
    }

    /** As {@link #values(int, int, int)}, converting an F16 head into {@code buffer}. */
    public float[] values(int layer, int pos, int kvHead, float[] buffer) {
        if (values != null) {
            return values[layer];
        }
        FloatOps.fromHalf(halfValues[layer], stored(pos, kvHead), buffer, kvHead * headDim, headDim);
        return buffer;
    }

    /**
     * The keys of K/V head {@code kvHead} at positions [0, n) as floats into {@code dst}, position t at
     * {@code t * headDim}: F16 values converted exactly, F32 ones copied.
     */
    public void headKeys(int layer, int kvHead, int n, float[] dst) {
        head(keys, halfKeys, layer, kvHead, n, dst);
    }

    /** The values of K/V head {@code kvHead} at positions [0, n), as {@link #headKeys}. */
    public void headValues(int layer, int kvHead, int n, float[] dst) {
        head(values, halfValues, layer, kvHead, n, dst);
    }

    private void head(float[][] full, short[][] half, int layer, int kvHead, int n, float[] dst) {
        if (full != null) {
            System.arraycopy(full[layer], stored(0, kvHead), dst, 0, n * headDim);
        } else {
            FloatOps.fromHalf(half[layer], stored(0, kvHead), dst, 0, n * headDim);
        }
    }

    /**
     * Where head {@code kvHead} of position {@code pos} starts in the arrays of {@link #keys} and {@link #values}: in
     * an F32 cache's array, positions follow each other {@link #headDim} apart; in an F16 cache's buffer, at the
     * head's place of a row.
     */
    public int offset(int pos, int kvHead) {
        return keys != null ? stored(pos, kvHead) : kvHead * headDim;
    }

    /** Values per position and head. */
    public int headDim() {
        return headDim;
    }

    /** Values per position: the length of {@link #keys}' buffers. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Bytes a {@code type} cache takes for {@code layers} x {@code contextLength} x {@code kvDim} keys and values. */
    public static long bytes(KvCacheType type, int layers, int contextLength, int kvDim) {
        return 2L * layers * contextLength * kvDim * (type == KvCacheType.F16 ? 2 : Float.BYTES);
    }
}
