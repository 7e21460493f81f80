package org.jllm.runtime;

import java.util.Arrays;
import org.jllm.KvCacheType;
import org.jllm.kernels.FloatOps;
import org.jllm.kernels.Numbers;

/**
 * Causal grouped-query attention of one query position over a {@link KvCache}, with the buffers it needs (one per
 * session; not thread-safe), split by K/V heads over a {@link WorkerPool}; a block of prompt tokens is split by
 * (token, K/V head) pairs in one fork-join instead ({@link #applyBlock}). K/V heads are the outer loop: each head's
 * keys and values are streamed once, contiguous in the cache ({@link KvCache}), for its group of query heads.
 *
 * <p>Orders and roundings are llama.cpp's: the weighted sum of values keeps 16 partial sums per head (position t
 * goes to partial sum t mod 16) combined by halving at the end, the order of its matmul of the probabilities with the
 * value cache; the scores of a token read {@code batched} with others are summed as it sums them in a batch
 * ({@link FloatOps#dotInSteps}), those of a token read alone as it sums a single token's ({@link FloatOps#dot}). With
 * an F16 cache the query is rounded to F16 before the scores and the probabilities before they weigh the values,
 * and the scores are summed as {@link #halfDot}.
 */
public final class Attention implements WorkerPool.RangeTask {
    /** Multiply-adds per K/V head (positions x head size x query heads per K/V head) worth a fork-join. */
    private static final long MIN_WORK_PER_KV_HEAD = 16 * 1024;
    private static final int LANES = 16;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int contextLength;
    /** Per head, the scores (then probabilities) of positions 0..pos. */
    private final float[] scores;
    /** Per head, 16 partial sums of the weighted values. */
    private final float[] lanes;
    /** The query rounded to F16, for an F16 cache. */
    private final float[] query;
    private final WorkerPool pool;
    // The call being run, for the pool's threads.
    private FloatOps ops;
    private KvCache kv;
    private int layer;
    private int pos;
    private float[] q;
    private float[] att;
    private boolean batched;
    /** The block being run by {@link #applyBlock}: its queries and outputs; null for one token. */
    private float[][] block;
    private float[][] blockAtt;

    /** {@code pool}: the threads the K/V heads are split over, or null for the calling thread alone. */
    public Attention(int heads, int kvHeads, int headDim, int contextLength, WorkerPool pool) {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads do not split into " + kvHeads + " K/V heads");
        }
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.contextLength = contextLength;
        this.scores = new float[heads * contextLength];
        this.lanes = new float[heads * LANES * headDim];
        this.query = new float[heads * headDim];
        this.pool = pool;
    }

    /**
     * Q·K of F16 values as llama.cpp takes it, batched or not: whole 16-value blocks as {@link FloatOps#dot};
     * otherwise as ggml's F16 dot product, 64-value steps then the rest added in double (the products of two halves
     * are exact in float).
     */
    private static float halfDot(FloatOps ops, float[] q, int qOff, float[] k, int kOff, int n) {
        if (n % 16 == 0) {
            return ops.dot(q, qOff, k, kOff, n);
        }
        int steps = n - n % 64;
        double sum = steps > 0 ? ops.dotInSteps(q, qOff, k, kOff, steps) : 0;
        for (int i = steps; i < n; i++) {
            sum += q[qOff + i] * k[kOff + i];
        }
        return (float) sum;
    }

    /**
     * The heads' outputs side by side into {@code att}, for the query {@code q} at {@code pos} of {@code layer}. The
     * K/V heads (with their groups of query heads) are split over {@code pool}: each thread reads its heads' slice
     * of every cached position and writes only its heads' scores, partial sums and outputs.
     */
    public void apply(FloatOps ops, KvCache kv, int layer, int pos, float[] q, float[] att, boolean batched) {
        boolean half = kv.type() == KvCacheType.F16;
        float[] qs = q;
        if (half) {
            for (int i = 0; i < heads * headDim; i++) {
                query[i] = Numbers.roundToF16(q[i]);
            }
            qs = query;
        }
        begin(ops, kv, layer, pos, batched);
        this.q = qs;
        this.att = att;
        // Below some work per head a fork-join costs more than it saves.
        if (pool == null || (long) (pos + 1) * headDim * (heads / kvHeads) < MIN_WORK_PER_KV_HEAD) {
            run(0, kvHeads);
        } else {
            pool.forRange(kvHeads, 1, this);
        }
        end();
    }

    /**
     * {@link #apply} for the {@code n} tokens of a block at positions {@code pos..pos + n - 1}, whose keys and values
     * are in the cache: token i's query {@code q[i]}, output {@code att[i]}. One fork-join splits all (token, K/V
     * head) pairs over the pool, each thread with scratch of its own; every pair is computed as {@link #apply} does.
     */
    public void applyBlock(FloatOps ops, KvCache kv, int layer, int pos, int n, float[][] q, float[][] att,
                           boolean batched) {
        begin(ops, kv, layer, pos, batched);
        this.block = q;
        this.blockAtt = att;
        int pairs = n * kvHeads;
        if (pool == null) {
            run(0, pairs);
        } else {
            pool.forRange(pairs, 1, this);
        }
        end();
    }

    /** The call's arguments, for the pool's threads. */
    private void begin(FloatOps ops, KvCache kv, int layer, int pos, boolean batched) {
        this.ops = ops;
        this.kv = kv;
        this.layer = layer;
        this.pos = pos;
        this.batched = batched;
    }

    /** Drops the call's arrays, so a session holds no reference to them between calls. */
    private void end() {
        this.ops = null;
        this.kv = null;
        this.q = null;
        this.att = null;
        this.block = null;
        this.blockAtt = null;
    }

    /** K/V heads [from, to) with their query heads; for a block, (token, K/V head) pairs [from, to), token-major. */
    @Override
    public void run(int from, int to) {
        if (block == null) {
            attend(pos, q, att, from, to, scores, lanes, from * (heads / kvHeads), null);
            return;
        }
        Scratch scratch = SCRATCH.get().fit(heads / kvHeads, contextLength, headDim, kv.kvDim());
        boolean half = kv.type() == KvCacheType.F16;
        int group = heads / kvHeads;
        for (int pair = from; pair < to; pair++) {
            int token = pair / kvHeads;
            int head = pair % kvHeads;
            float[] qs = block[token];
            if (half) {
                // The group's query heads, rounded to F16 at their own places of the scratch query.
                int at = head * group * headDim;
                for (int i = at; i < at + group * headDim; i++) {
                    scratch.query[i] = Numbers.roundToF16(qs[i]);
                }
                qs = scratch.query;
            }
            attend(pos + token, qs, blockAtt[token], head, head + 1, scratch.scores, scratch.lanes, 0, scratch.row);
        }
    }

    /** Per-thread buffers of {@link #applyBlock}: one K/V head's group of query heads at a time. */
    private static final class Scratch {
        float[] scores = new float[0];
        float[] lanes = new float[0];
        float[] query = new float[0];
        float[] row = new float[0];
        /** One K/V head's keys or values of every position, converted from an F16 cache. */
        float[] head = new float[0];

        /** {@link #head}, at least {@code length} long (grown once to a whole context, not per position). */
        float[] head(int length) {
            if (head.length < length) {
                head = new float[length];
            }
            return head;
        }

        Scratch fit(int group, int contextLength, int headDim, int kvDim) {
            if (scores.length < group * contextLength) {
                scores = new float[group * contextLength];
            }
            if (lanes.length < group * LANES * headDim) {
                lanes = new float[group * LANES * headDim];
            }
            if (query.length < kvDim * group) {
                query = new float[kvDim * group];
            }
            if (row.length < kvDim) {
                row = new float[kvDim];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * The query {@code q} at {@code pos} for K/V heads [from, to) and their query heads into {@code att}. Query head
     * h keeps its scores at {@code scores[(h - h0 + slot) * contextLength]} and its partial sums at
     * {@code lanes[(h - h0 + slot) * LANES * headDim]}, h0 the first query head; {@code row}: where an F16 cache's
     * heads are converted, or null for the cache's own buffer (threads then convert different heads of it). Each K/V
     * head's keys, then values, are read once, position after position (contiguous in the cache), for its group of
     * query heads.
     */
    private void attend(int pos, float[] q, float[] att, int from, int to, float[] scores, float[] lanes, int slot,
                        float[] row) {
        int group = heads / kvHeads;
        float scale = 1f / (float) Math.sqrt(headDim); // llama.cpp's 1.0f/sqrtf(n_embd_head)
        boolean half = kv.type() == KvCacheType.F16;
        int s0 = slot - from * group;
        for (int g = from; g < to; g++) {
            int h0 = g * group;
            int h1 = h0 + group;
            // The head's keys of every position in one call (an F16 cache's converted first, exactly), summed as
            // dotInSteps in a batch (F32 cache), else as dot (also halfDot's sum of whole 16-value blocks).
            float[] head = null;
            if (!half) {
                ops.scores(q, h0 * headDim, headDim, group, kv.keys(layer, 0, g), kv.offset(0, g), headDim, pos + 1,
                        headDim, batched, scale, scores, (s0 + h0) * contextLength, contextLength);
            } else if (headDim % 16 == 0) {
                head = SCRATCH.get().head(contextLength * headDim);
                kv.headKeys(layer, g, pos + 1, head);
                ops.scores(q, h0 * headDim, headDim, group, head, 0, headDim, pos + 1, headDim, false, scale,
                        scores, (s0 + h0) * contextLength, contextLength);
            } else {
                for (int t = 0; t <= pos; t++) {
                    float[] keys = row == null ? kv.keys(layer, t, g) : kv.keys(layer, t, g, row);
                    int k = kv.offset(t, g);
                    for (int h = h0; h < h1; h++) {
                        scores[(s0 + h) * contextLength + t] = halfDot(ops, q, h * headDim, keys, k, headDim) * scale;
                    }
                }
            }
            for (int h = h0; h < h1; h++) {
                int s = (s0 + h) * contextLength;
                ops.softmax(scores, s, pos + 1);
                if (half) {
                    for (int t = 0; t <= pos; t++) {
                        scores[s + t] = Numbers.roundToF16(scores[s + t]);
                    }
                }
            }
            if (!half || head != null) {
                // The head's values of every position one after another (an F16 cache's converted first): each
                // partial sum in registers across its positions, each row read once for the group's query heads.
                float[] values = head;
                int at = 0;
                if (head == null) {
                    values = kv.values(layer, 0, g);
                    at = kv.offset(0, g);
                } else {
                    kv.headValues(layer, g, pos + 1, head);
                }
                ops.weightedSumsInLanes(scores, (s0 + h0) * contextLength, contextLength, group, values, at,
                        headDim, pos + 1, lanes, (s0 + h0) * LANES * headDim, LANES * headDim, headDim);
            } else {
                Arrays.fill(lanes, (s0 + h0) * LANES * headDim, (s0 + h1) * LANES * headDim, 0f);
                for (int t = 0; t <= pos; t++) {
                    float[] values = row == null ? kv.values(layer, t, g) : kv.values(layer, t, g, row);
                    int at = kv.offset(t, g);
                    int lane = t % LANES;
                    for (int h = h0; h < h1; h++) {
                        ops.axpy(scores[(s0 + h) * contextLength + t], values, at, lanes,
                                ((s0 + h) * LANES + lane) * headDim, headDim);
                    }
                }
            }
            for (int h = h0; h < h1; h++) {
                int base = (s0 + h) * LANES * headDim;
                for (int width = LANES / 2; width >= 1; width /= 2) {
                    for (int j = 0; j < width; j++) {
                        ops.axpy(1f, lanes, base + (j + width) * headDim, lanes, base + j * headDim, headDim);
                    }
                }
                System.arraycopy(lanes, base, att, h * headDim, headDim);
            }
        }
    }
}
