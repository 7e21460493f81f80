package org.jllm.model.llama;

import org.jllm.KvCacheType;
import org.jllm.kernels.FloatOps;
import org.jllm.model.ForwardState;
import org.jllm.model.GgufWeights;
import org.jllm.model.LanguageModel;
import org.jllm.model.Linear;
import org.jllm.runtime.WorkerPool;
import org.jllm.model.ModelConfig;
import org.jllm.model.ModelFormatException;

/** Llama weights and the forward pass for one token. */
final class LlamaModel implements LanguageModel {
    private final ModelConfig c;
    private final FloatOps ops;
    private final Linear tokenEmbedding;
    private final Layer[] layers;
    private final float[] outputNorm;
    private final Linear output;
    /** Per-pair RoPE frequency divisors ({@code rope_freqs.weight}, Llama 3.1+), or null. */
    private final float[] ropeFreqFactors;

    /**
     * One transformer block's weights. {@code qkv} = {Wq, Wk, Wv} and {@code gateUp} = {Wgate, Wup} each read one
     * input, so they are applied together (the input is prepared once per weight type).
     */
    record Layer(float[] attnNorm, Linear[] qkv, Linear wo, float[] ffnNorm, Linear[] gateUp, Linear down) {
    }

    LlamaModel(ModelConfig c, GgufWeights w) throws ModelFormatException {
        this.c = c;
        this.ops = w.kernels().floatOps();
        int dim = c.embeddingLength();
        int ffn = c.feedForwardLength();
        this.tokenEmbedding = w.linear("token_embd.weight", dim, c.vocabularySize());
        this.layers = new Layer[c.blockCount()];
        for (int i = 0; i < layers.length; i++) {
            String b = "blk." + i + ".";
            layers[i] = new Layer(
                    w.vector(b + "attn_norm.weight", dim),
                    new Linear[] {
                        w.linear(b + "attn_q.weight", dim, c.qDim()),
                        w.linear(b + "attn_k.weight", dim, c.kvDim()),
                        w.linear(b + "attn_v.weight", dim, c.kvDim())},
                    w.linear(b + "attn_output.weight", c.qDim(), dim),
                    w.vector(b + "ffn_norm.weight", dim),
                    new Linear[] {
                        w.linear(b + "ffn_gate.weight", dim, ffn),
                        w.linear(b + "ffn_up.weight", dim, ffn)},
                    w.linear(b + "ffn_down.weight", ffn, dim));
        }
        this.outputNorm = w.vector("output_norm.weight", dim);
        // Without its own output matrix the model ties it to the token embedding, in the embedding's stored type.
        this.output = w.optionalLinear("output.weight", dim, c.vocabularySize()).orElse(tokenEmbedding);
        this.ropeFreqFactors = w.has("rope_freqs.weight") ? w.vector("rope_freqs.weight", c.ropeDim() / 2) : null;
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public ForwardState newState(int contextLength, KvCacheType kvType, WorkerPool pool) {
        return new LlamaState(c, contextLength, kvType, pool, ops);
    }

    @Override
    public float[] forward(ForwardState state, int token, int pos) {
        LlamaState s = (LlamaState) state;
        if (token < 0 || token >= c.vocabularySize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of "
                    + c.vocabularySize());
        }
        if (pos < 0 || pos >= s.contextLength()) {
            throw new IllegalArgumentException("position " + pos + " is outside the context of "
                    + s.contextLength() + " tokens");
        }
        int dim = c.embeddingLength();
        float eps = c.normEpsilon();
        tokenEmbedding.row(token, s.x);
        s.rope.setPosition(pos, c.ropeFreqBase(), c.ropeFreqScale(), ropeFreqFactors);

        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            // Attention: x += Wo · attention(rope(Wq·n), rope(Wk·n), Wv·n), n = rmsnorm(x)
            ops.rmsNorm(s.xb, s.x, w.attnNorm(), dim, eps);
            s.mv.applyAll(s.xb, w.qkv(), s.qkv);
            s.rope.rotate(s.q, c.headCount(), c.headDim());
            s.rope.rotate(s.k, c.headCountKv(), c.headDim());
            s.kv.store(l, pos, s.k, s.v);
            s.attention.apply(ops, s.kv, l, pos, s.q, s.att, false);
            s.mv.apply(w.wo(), s.att, s.xb);
            ops.add(s.x, s.xb, dim);

            // Feed-forward: x += Wdown · (silu(Wgate·n) * Wup·n), n = rmsnorm(x)
            ops.rmsNorm(s.xb, s.x, w.ffnNorm(), dim, eps);
            s.mv.applyAll(s.xb, w.gateUp(), s.gateUp);
            ops.swiglu(s.hb, s.hb2, c.feedForwardLength());
            s.mv.apply(w.down(), s.hb, s.xb);
            ops.add(s.x, s.xb, dim);
        }

        ops.rmsNorm(s.x, s.x, outputNorm, dim, eps);
        s.mv.apply(output, s.x, s.logits);
        return s.logits;
    }

    @Override
    public float[] forward(ForwardState state, int[] tokens, int offset, int count, int position,
                           PositionLogits eachPosition) {
        LlamaState s = (LlamaState) state;
        if (count <= 0) {
            throw new IllegalArgumentException("no tokens to read");
        }
        if (position < 0 || (long) position + count > s.contextLength()) {
            throw new IllegalArgumentException("positions " + position + ".." + (position + count - 1)
                    + " are outside the context of " + s.contextLength() + " tokens");
        }
        for (int i = 0; i < count; i++) {
            int token = tokens[offset + i];
            if (token < 0 || token >= c.vocabularySize()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of "
                        + c.vocabularySize());
            }
        }
        if (count == 1 && eachPosition == null) {
            return forward(state, tokens[offset], position);
        }
        LlamaState.Block b = s.block();
        int size = b.x.length;
        for (int start = 0; start < count; start += size) {
            int n = Math.min(size, count - start);
            forwardBlock(s, b, tokens, offset + start, n, position + start, start, eachPosition,
                    start + n == count, count > 1);
        }
        return s.logits;
    }

    /**
     * The forward pass of {@code n} tokens as one block: the matrix products take all of them at once; the
     * position-dependent parts (RoPE, K/V cache, causal attention) go token by token.
     */
    private void forwardBlock(LlamaState s, LlamaState.Block b, int[] tokens, int offset, int n, int pos,
                              int index, PositionLogits eachPosition, boolean last, boolean batched) {
        int dim = c.embeddingLength();
        float eps = c.normEpsilon();
        for (int i = 0; i < n; i++) {
            tokenEmbedding.row(tokens[offset + i], b.x[i]);
        }
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            s.eachToken(n, i -> ops.rmsNorm(b.xb[i], b.x[i], w.attnNorm(), dim, eps));
            s.mm.applyAll(b.xb, n, w.qkv(), b.qkv);
            for (int i = 0; i < n; i++) {
                s.rope.setPosition(pos + i, c.ropeFreqBase(), c.ropeFreqScale(), ropeFreqFactors);
                s.rope.rotate(b.q[i], c.headCount(), c.headDim());
                s.rope.rotate(b.k[i], c.headCountKv(), c.headDim());
                s.kv.store(l, pos + i, b.k[i], b.v[i]);
            }
            s.attention.applyBlock(ops, s.kv, l, pos, n, b.q, b.att, batched);
            s.mm.apply(w.wo(), b.att, n, b.xb);
            s.eachToken(n, i -> {
                ops.add(b.x[i], b.xb[i], dim);
                ops.rmsNorm(b.xb[i], b.x[i], w.ffnNorm(), dim, eps);
            });
            s.mm.applyAll(b.xb, n, w.gateUp(), b.gateUp);
            s.eachToken(n, i -> ops.swiglu(b.hb[i], b.hb2[i], c.feedForwardLength()));
            s.mm.apply(w.down(), b.hb, n, b.xb);
            s.eachToken(n, i -> ops.add(b.x[i], b.xb[i], dim));
        }
        if (eachPosition != null) {
            for (int i = 0; i < n; i++) {
                ops.rmsNorm(b.x[i], b.x[i], outputNorm, dim, eps);
            }
            if (b.logits == null) {
                b.logits = new float[b.x.length][c.vocabularySize()];
            }
            s.mm.apply(output, b.x, n, b.logits);
            for (int i = 0; i < n; i++) {
                eachPosition.accept(index + i, b.logits[i]);
            }
            if (last) {
                System.arraycopy(b.logits[n - 1], 0, s.logits, 0, s.logits.length);
            }
        } else if (last) {
            ops.rmsNorm(s.x, b.x[n - 1], outputNorm, dim, eps);
            s.mv.apply(output, s.x, s.logits);
        }
    }
}
