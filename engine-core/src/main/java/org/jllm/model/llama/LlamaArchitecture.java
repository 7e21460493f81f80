package org.jllm.model.llama;

import java.io.IOException;
import java.util.Set;
import org.jllm.gguf.GgufFile;
import org.jllm.model.Architecture;
import org.jllm.model.GgufWeights;
import org.jllm.model.LanguageModel;
import org.jllm.model.ModelConfig;
import org.jllm.model.ModelFormatException;

/**
 * The Llama family ({@code general.architecture = llama}; Mistral, SmolLM and TinyLlama files use it too): RMSNorm,
 * rotary embeddings on adjacent pairs, grouped-query attention, SwiGLU feed-forward.
 */
public final class LlamaArchitecture implements Architecture {

    @Override
    public Set<String> names() {
        return Set.of("llama");
    }

    @Override
    public LanguageModel build(GgufWeights weights) throws IOException {
        return new LlamaModel(readConfig(weights.file(), "llama"), weights);
    }

    static ModelConfig readConfig(GgufFile f, String arch) throws IOException {
        String p = arch + ".";
        int dim = positive(f, p + "embedding_length", f.getInt(p + "embedding_length"));
        int heads = positive(f, p + "attention.head_count", f.getInt(p + "attention.head_count"));
        int kvHeads = positive(f, p + "attention.head_count_kv", f.getInt(p + "attention.head_count_kv", heads));
        if (heads % kvHeads != 0) {
            throw new ModelFormatException(f.path() + ": attention.head_count " + heads
                    + " is not a multiple of attention.head_count_kv " + kvHeads);
        }
        int headDim = f.findInt(p + "attention.key_length").orElse(dim / heads);
        int valueLength = f.findInt(p + "attention.value_length").orElse(headDim);
        if (headDim <= 0 || valueLength != headDim) {
            throw new ModelFormatException(f.path() + ": attention key/value lengths " + headDim + "/" + valueLength
                    + " are not supported (they must be equal and positive)");
        }
        int ropeDim = f.findInt(p + "rope.dimension_count").orElse(headDim);
        if (ropeDim <= 0 || ropeDim > headDim || ropeDim % 2 != 0) {
            throw new ModelFormatException(f.path() + ": rope.dimension_count " + ropeDim
                    + " must be even and at most the head size " + headDim);
        }
        String scaling = f.findString(p + "rope.scaling.type").orElse("none");
        float freqScale = switch (scaling) {
            case "none" -> 1f;
            case "linear" -> 1f / f.getFloat(p + "rope.scaling.factor", 1f);
            default -> throw new ModelFormatException(f.path() + ": rope scaling type '" + scaling
                    + "' is not supported (supported: none, linear)");
        };
        int vocab = f.findInt(p + "vocab_size").orElse(-1);
        if (vocab < 0) {
            vocab = f.findArray("tokenizer.ggml.tokens").map(a -> a.length()).orElse(-1);
        }
        if (vocab < 0) {
            vocab = (int) f.findTensor("token_embd.weight").map(t -> t.dim(1)).orElse(-1L).longValue();
        }
        positive(f, "vocabulary size", vocab);
        return new ModelConfig(arch, vocab, dim,
                positive(f, p + "feed_forward_length", f.getInt(p + "feed_forward_length")),
                positive(f, p + "block_count", f.getInt(p + "block_count")),
                heads, kvHeads, headDim,
                positive(f, p + "context_length", f.getInt(p + "context_length")),
                f.getFloat(p + "rope.freq_base", 10000f), ropeDim, freqScale,
                f.getFloat(p + "attention.layer_norm_rms_epsilon"));
    }

    private static int positive(GgufFile f, String key, int v) throws ModelFormatException {
        if (v <= 0) {
            throw new ModelFormatException(f.path() + ": metadata '" + key + "' = " + v + ", expected > 0");
        }
        return v;
    }
}
