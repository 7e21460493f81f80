package org.jllm.model.llama;

import org.jllm.kernels.FloatOps;
import org.jllm.model.ForwardState;
import org.jllm.model.MatMuls;
import org.jllm.model.MatVecs;
import org.jllm.model.ModelConfig;
import org.jllm.runtime.KvCache;
import org.jllm.runtime.Rope;
import org.jllm.runtime.WorkerPool;

/** Buffers and K/V cache of one Llama sequence. */
final class LlamaState implements ForwardState {
    private static final int LANES = 16;
    private final ModelConfig c;
    final KvCache kv;
    final Rope rope;
    final float[] x;
    final float[] xb;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] att;
    final float[] scores;
    /** 16 partial sums of the attention output per head value, see {@link #attention}. */
    final float[] lanes;
    final float[] hb;
    final float[] hb2;
    final float[] logits;
    /** Output buffers of the projections that share an input (see {@link MatVecs#applyAll}). */
    final float[][] qkv;
    final float[][] gateUp;
    final MatVecs mv;
    final MatMuls mm;
    /** Buffers of a block of prompt tokens, made on the first block (decoding alone never needs them). */
    private Block block;

    LlamaState(ModelConfig c, int contextLength, WorkerPool pool, FloatOps ops) {
        this.c = c;
        this.mv = new MatVecs(pool);
        this.mm = new MatMuls(pool, ops);
        this.kv = new KvCache(c.blockCount(), contextLength, c.kvDim());
        this.rope = new Rope(c.ropeDim());
        int dim = c.embeddingLength();
        this.x = new float[dim];
        this.xb = new float[Math.max(dim, c.qDim())];
        this.q = new float[c.qDim()];
        this.k = new float[c.kvDim()];
        this.v = new float[c.kvDim()];
        this.att = new float[c.qDim()];
        this.scores = new float[contextLength];
        this.lanes = new float[LANES * c.headDim()];
        this.hb = new float[c.feedForwardLength()];
        this.hb2 = new float[c.feedForwardLength()];
        this.logits = new float[c.vocabularySize()];
        this.qkv = new float[][] {q, k, v};
        this.gateUp = new float[][] {hb, hb2};
    }

    @Override
    public int contextLength() {
        return kv.contextLength();
    }

    /** The per-token buffers of a block of up to {@link #BLOCK_TOKENS} tokens. */
    static final class Block {
        final float[][] x;
        final float[][] xb;
        final float[][] q;
        final float[][] k;
        final float[][] v;
        final float[][] att;
        final float[][] hb;
        final float[][] hb2;
        final float[][][] qkv;
        final float[][][] gateUp;
        /** Logits of every position, made when they are asked for. */
        float[][] logits;

        Block(ModelConfig c, int n) {
            int dim = c.embeddingLength();
            x = new float[n][dim];
            xb = new float[n][Math.max(dim, c.qDim())];
            q = new float[n][c.qDim()];
            k = new float[n][c.kvDim()];
            v = new float[n][c.kvDim()];
            att = new float[n][c.qDim()];
            hb = new float[n][c.feedForwardLength()];
            hb2 = new float[n][c.feedForwardLength()];
            qkv = new float[][][] {q, k, v};
            gateUp = new float[][][] {hb, hb2};
        }
    }

    /** Tokens per block of a prompt: enough to reuse each dequantized weight tile many times. */
    static final int BLOCK_TOKENS = 64;

    Block block() {
        if (block == null) {
            block = new Block(c, Math.min(BLOCK_TOKENS, contextLength()));
        }
        return block;
    }

    /**
     * Causal grouped-query attention of the query in {@code q} over positions 0..pos of layer {@code layer}; writes
     * the heads' outputs side by side into {@code att}. The weighted sum of values keeps 16 partial sums (position t
     * goes to partial sum t mod 16) combined by halving at the end: the order llama.cpp's matmul of the probabilities
     * with the value cache uses, so rounded activations downstream round the same way. For the same reason the
     * scores of a token read {@code batched} with others are summed as llama.cpp sums them in a batch
     * ({@link FloatOps#dotInSteps}), those of a token read alone as it sums a single token's ({@link FloatOps#dot}).
     */
    void attention(FloatOps ops, int layer, int pos, float[] q, float[] att, boolean batched) {
        int headDim = c.headDim();
        int group = c.headCount() / c.headCountKv();
        float scale = 1f / (float) Math.sqrt(headDim); // llama.cpp's 1.0f/sqrtf(n_embd_head)
        float[] keys = kv.keys(layer);
        float[] values = kv.values(layer);
        int stride = c.kvDim();
        for (int h = 0; h < c.headCount(); h++) {
            int qOff = h * headDim;
            int kvOff = (h / group) * headDim;
            for (int t = 0; t <= pos; t++) {
                int k = t * stride + kvOff;
                scores[t] = (batched ? ops.dotInSteps(q, qOff, keys, k, headDim) : ops.dot(q, qOff, keys, k, headDim))
                        * scale;
            }
            ops.softmax(scores, 0, pos + 1);
            java.util.Arrays.fill(lanes, 0f);
            for (int t = 0; t <= pos; t++) {
                ops.axpy(scores[t], values, t * stride + kvOff, lanes, (t % LANES) * headDim, headDim);
            }
            for (int half = LANES / 2; half >= 1; half /= 2) {
                for (int j = 0; j < half; j++) {
                    ops.axpy(1f, lanes, (j + half) * headDim, lanes, j * headDim, headDim);
                }
            }
            System.arraycopy(lanes, 0, att, qOff, headDim);
        }
    }
}
