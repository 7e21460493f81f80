package org.jllm.model.llama;

import org.jllm.kernels.FloatOps;
import org.jllm.model.ForwardState;
import org.jllm.model.MatMuls;
import org.jllm.model.MatVecs;
import org.jllm.model.ModelConfig;
import org.jllm.KvCacheType;
import org.jllm.runtime.Attention;
import org.jllm.runtime.KvCache;
import org.jllm.runtime.Rope;
import org.jllm.runtime.WorkerPool;

/** Buffers and K/V cache of one Llama sequence. */
final class LlamaState implements ForwardState {
    private final ModelConfig c;
    final KvCache kv;
    final Rope rope;
    final float[] x;
    final float[] xb;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] att;
    final Attention attention;
    private final WorkerPool pool;
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

    LlamaState(ModelConfig c, int contextLength, KvCacheType kvType, WorkerPool pool, FloatOps ops) {
        this.c = c;
        this.pool = pool;
        this.mv = new MatVecs(pool);
        this.mm = new MatMuls(pool, ops);
        this.kv = new KvCache(kvType, c.blockCount(), contextLength, c.headCountKv(), c.headDim());
        this.rope = new Rope(c.ropeDim());
        int dim = c.embeddingLength();
        this.x = new float[dim];
        this.xb = new float[Math.max(dim, c.qDim())];
        this.q = new float[c.qDim()];
        this.k = new float[c.kvDim()];
        this.v = new float[c.kvDim()];
        this.att = new float[c.qDim()];
        this.attention = new Attention(c.headCount(), c.headCountKv(), c.headDim(), contextLength, pool);
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

    /**
     * Runs {@code body} for tokens 0..n-1 of a block, split over the pool: the per-token steps between the matrix
     * products (norms, SwiGLU, residual adds), which would otherwise leave the other threads waiting.
     */
    void eachToken(int n, java.util.function.IntConsumer body) {
        pool.forRange(n, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                body.accept(i);
            }
        });
    }

    /** Tokens per block of a prompt: enough to reuse each dequantized weight tile many times. */
    static final int BLOCK_TOKENS = 128;

    Block block() {
        if (block == null) {
            block = new Block(c, Math.min(BLOCK_TOKENS, contextLength()));
        }
        return block;
    }

}
