package org.jllm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.jllm.KvCacheType;
import org.jllm.kernels.FloatOps;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.Numbers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Grouped-query attention against a plain double-precision reference, and split over a worker pool against the
 * calling thread alone (each head is computed the same way on any thread, so the bits agree).
 */
class AttentionTest {
    private static final int HEADS = 8;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 64;
    private static final int POSITIONS = 300;

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void matchesPlainAttentionOnAnyNumberOfThreads(KvCacheType type) {
        FloatOps ops = Kernels.get().floatOps();
        Random r = new Random(7);
        KvCache kv = new KvCache(type, 1, POSITIONS, KV_HEADS, HEAD_DIM);
        float[][][] stored = fill(kv, 0, r);
        float[][] keys = stored[0];
        float[][] values = stored[1];
        float[] q = new float[HEADS * HEAD_DIM];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) (0.3 * r.nextGaussian());
        }
        int pos = POSITIONS - 1;

        float[] alone = new float[q.length];
        new Attention(HEADS, KV_HEADS, HEAD_DIM, POSITIONS, null).apply(ops, kv, 0, pos, q, alone, false);
        float[] split = new float[q.length];
        try (WorkerPool pool = WorkerPool.create(2)) {
            new Attention(HEADS, KV_HEADS, HEAD_DIM, POSITIONS, pool).apply(ops, kv, 0, pos, q, split, false);
        }
        assertArrayEquals(alone, split, 0f, type + ": two threads against one");

        // Plain attention in double over what the cache holds (F16: the rounded keys, values and query).
        boolean half = type == KvCacheType.F16;
        for (int h = 0; h < HEADS; h++) {
            int kvOff = (h / (HEADS / KV_HEADS)) * HEAD_DIM;
            double[] w = new double[pos + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= pos; t++) {
                double dot = 0;
                for (int i = 0; i < HEAD_DIM; i++) {
                    dot += round(q[h * HEAD_DIM + i], half) * round(keys[t][kvOff + i], half);
                }
                w[t] = dot / Math.sqrt(HEAD_DIM);
                max = Math.max(max, w[t]);
            }
            double sum = 0;
            for (int t = 0; t <= pos; t++) {
                w[t] = Math.exp(w[t] - max);
                sum += w[t];
            }
            for (int i = 0; i < HEAD_DIM; i++) {
                double out = 0;
                for (int t = 0; t <= pos; t++) {
                    out += w[t] / sum * round(values[t][kvOff + i], half);
                }
                // F16 probabilities carry a relative error of up to 2^-11 each.
                assertEquals(out, alone[h * HEAD_DIM + i], half ? 2e-3 : 1e-5, type + " head " + h + " value " + i);
            }
        }
    }

    /** A block's (token, K/V head) pairs split over threads give each token's own {@code apply}, bit for bit. */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void aBlockGivesEachTokensAttention(KvCacheType type) {
        FloatOps ops = Kernels.get().floatOps();
        Random r = new Random(11);
        KvCache kv = new KvCache(type, 2, POSITIONS, KV_HEADS, HEAD_DIM);
        fill(kv, 1, r);
        int n = 20;
        int first = POSITIONS - n;
        float[][] q = new float[n][HEADS * HEAD_DIM];
        for (float[] row : q) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) (0.3 * r.nextGaussian());
            }
        }
        float[][] expected = new float[n][HEADS * HEAD_DIM];
        Attention one = new Attention(HEADS, KV_HEADS, HEAD_DIM, POSITIONS, null);
        for (int i = 0; i < n; i++) {
            one.apply(ops, kv, 1, first + i, q[i], expected[i], true);
        }
        float[][] alone = new float[n][HEADS * HEAD_DIM];
        one.applyBlock(ops, kv, 1, first, n, q, alone, true);
        float[][] split = new float[n][HEADS * HEAD_DIM];
        try (WorkerPool pool = WorkerPool.create(2)) {
            new Attention(HEADS, KV_HEADS, HEAD_DIM, POSITIONS, pool).applyBlock(ops, kv, 1, first, n, q, split, true);
        }
        for (int i = 0; i < n; i++) {
            assertArrayEquals(expected[i], alone[i], 0f, type + " token " + i + ", one thread");
            assertArrayEquals(expected[i], split[i], 0f, type + " token " + i + ", two threads");
        }
    }

    /** Stores Gaussian keys and values at every position of {@code layer}; returns them, {keys, values}. */
    private static float[][][] fill(KvCache kv, int layer, Random r) {
        int kvDim = KV_HEADS * HEAD_DIM;
        float[][] keys = new float[POSITIONS][kvDim];
        float[][] values = new float[POSITIONS][kvDim];
        for (int t = 0; t < POSITIONS; t++) {
            for (int i = 0; i < kvDim; i++) {
                keys[t][i] = (float) r.nextGaussian();
                values[t][i] = (float) r.nextGaussian();
            }
            kv.store(layer, t, keys[t], values[t]);
        }
        return new float[][][] {keys, values};
    }

    private static double round(float v, boolean half) {
        return half ? Numbers.roundToF16(v) : v;
    }
}
