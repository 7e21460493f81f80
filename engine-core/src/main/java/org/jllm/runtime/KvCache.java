package org.jllm.runtime;

import org.jllm.KvCacheType;
import org.jllm.kernels.FloatOps;

/**
 * The keys and values of every position of one sequence, per layer, in F32 or F16. Layout: {@code [position][kvDim]}
 * per layer, so attention streams one position's keys (all KV heads) contiguously. An F16 cache converts a position's
 * row to floats once, into a buffer of its own, for all the heads that read it.
 */
public final class KvCache {
    private final KvCacheType type;
    private final int contextLength;
    private final int kvDim;
    private final float[][] keys;
    private final float[][] values;
    private final short[][] halfKeys;
    private final short[][] halfValues;
    private final float[] row;

    public KvCache(KvCacheType type, int layers, int contextLength, int kvDim) {
        if ((long) contextLength * kvDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a K/V cache of " + contextLength + " positions x " + kvDim
                    + " values per layer is too large; use a shorter context");
        }
        this.type = type;
        this.contextLength = contextLength;
        this.kvDim = kvDim;
        boolean half = type == KvCacheType.F16;
        this.keys = half ? null : new float[layers][contextLength * kvDim];
        this.values = half ? null : new float[layers][contextLength * kvDim];
        this.halfKeys = half ? new short[layers][contextLength * kvDim] : null;
        this.halfValues = half ? new short[layers][contextLength * kvDim] : null;
        this.row = half ? new float[kvDim] : null;
    }

    public KvCacheType type() {
        return type;
    }

    public int contextLength() {
        return contextLength;
    }

    public void store(int layer, int pos, float[] k, float[] v) {
        int at = pos * kvDim;
        if (keys != null) {
            System.arraycopy(k, 0, keys[layer], at, kvDim);
            System.arraycopy(v, 0, values[layer], at, kvDim);
            return;
        }
        FloatOps.toHalf(k, 0, halfKeys[layer], at, kvDim);
        FloatOps.toHalf(v, 0, halfValues[layer], at, kvDim);
    }

    /**
     * The keys of position {@code pos} as floats, values {@code [from, from + n)} of the row at
     * {@link #rowOffset(int) rowOffset(pos)} + from: the layer's array (F32), or the cache's row buffer, where this
     * call converts just those values (so threads reading different heads of a row do not interfere); valid until the
     * next call for the same values.
     */
    public float[] keyRow(int layer, int pos, int from, int n) {
        return keyRow(layer, pos, from, n, row);
    }

    /** The values of position {@code pos}, as {@link #keyRow}; they share the row buffer. */
    public float[] valueRow(int layer, int pos, int from, int n) {
        return valueRow(layer, pos, from, n, row);
    }

    /** As {@link #keyRow(int, int, int, int)}, converting an F16 row into {@code buffer} ({@link #kvDim} long). */
    public float[] keyRow(int layer, int pos, int from, int n, float[] buffer) {
        if (keys != null) {
            return keys[layer];
        }
        FloatOps.fromHalf(halfKeys[layer], pos * kvDim + from, buffer, from, n);
        return buffer;
    }

    /** As {@link #valueRow(int, int, int, int)}, converting an F16 row into {@code buffer}. */
    public float[] valueRow(int layer, int pos, int from, int n, float[] buffer) {
        if (values != null) {
            return values[layer];
        }
        FloatOps.fromHalf(halfValues[layer], pos * kvDim + from, buffer, from, n);
        return buffer;
    }

    /** Values per position: the row length of {@link #keyRow}'s buffers. */
    public int kvDim() {
        return kvDim;
    }

    /** Where position {@code pos} starts in the arrays of {@link #keyRow} and {@link #valueRow}. */
    public int rowOffset(int pos) {
        return keys != null ? pos * kvDim : 0;
    }

    /** Bytes a {@code type} cache takes for {@code layers} x {@code contextLength} x {@code kvDim} keys and values. */
    public static long bytes(KvCacheType type, int layers, int contextLength, int kvDim) {
        return 2L * layers * contextLength * kvDim * (type == KvCacheType.F16 ? 2 : Float.BYTES);
    }
}
