package org.jllm.gguf;

import java.util.Arrays;
import org.jllm.model.ModelFormatException;
import org.jllm.tokenizer.TokenType;
import org.jllm.tokenizer.Tokenizer;
import org.jllm.tokenizer.Vocabulary;
import org.jllm.tokenizer.spm.SpmTokenizer;

/** Builds the tokenizer a GGUF file describes in its {@code tokenizer.ggml.*} metadata. */
public final class GgufTokenizers {
    private GgufTokenizers() {
    }

    public static Tokenizer load(GgufFile f) throws ModelFormatException, GgufFormatException {
        String model = f.findString("tokenizer.ggml.model").orElseThrow(() ->
                new ModelFormatException(f.path() + ": metadata 'tokenizer.ggml.model' is missing: no tokenizer"));
        return switch (model) {
            case "llama" -> new SpmTokenizer(vocabulary(f, true));
            default -> throw new ModelFormatException(f.path() + ": tokenizer model '" + model
                    + "' is not supported yet (supported: llama)");
        };
    }

    /** The vocabulary with llama.cpp's defaults for keys a file leaves out. */
    static Vocabulary vocabulary(GgufFile f, boolean spm) throws GgufFormatException, ModelFormatException {
        String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
        int n = tokens.length;
        float[] scores = f.findFloatArray("tokenizer.ggml.scores").orElse(new float[n]);
        int[] typeIds = f.findIntArray("tokenizer.ggml.token_type").orElse(null);
        if (scores.length != n || (typeIds != null && typeIds.length != n)) {
            throw new ModelFormatException(f.path() + ": tokenizer arrays differ in length: " + n + " tokens, "
                    + scores.length + " scores, " + (typeIds == null ? n : typeIds.length) + " token types");
        }
        TokenType[] types = new TokenType[n];
        if (typeIds == null) {
            Arrays.fill(types, TokenType.NORMAL);
        } else {
            for (int i = 0; i < n; i++) {
                types[i] = TokenType.fromId(typeIds[i]);
            }
        }
        int bos = specialId(f, "tokenizer.ggml.bos_token_id", spm ? 1 : -1, n);
        int eos = specialId(f, "tokenizer.ggml.eos_token_id", spm ? 2 : -1, n);
        int unk = specialId(f, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, n);
        boolean addBos = f.findBoolean("tokenizer.ggml.add_bos_token").orElse(spm);
        boolean addEos = f.findBoolean("tokenizer.ggml.add_eos_token").orElse(false);
        boolean addSpacePrefix = f.findBoolean("tokenizer.ggml.add_space_prefix").orElse(spm);
        return new Vocabulary(tokens, scores, types, bos, eos, unk, addBos, addEos, addSpacePrefix);
    }

    private static int specialId(GgufFile f, String key, int defaultId, int n)
            throws GgufFormatException, ModelFormatException {
        if (!f.contains(key)) {
            return defaultId < n ? defaultId : -1;
        }
        long id = f.getLong(key);
        if (id >= n || id < -1) {
            throw new ModelFormatException(f.path() + ": metadata '" + key + "' = " + id
                    + " is outside the vocabulary of " + n + " tokens");
        }
        return (int) id;
    }
}
