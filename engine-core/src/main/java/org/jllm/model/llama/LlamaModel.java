package org.jllm.model.llama;

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
    public ForwardState newState(int contextLength, WorkerPool pool) {
        return new LlamaState(c, contextLength, pool);
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
            s.attention(ops, l, pos);
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
}
