package org.jllm.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.jllm.model.ModelFormatException;
import org.jllm.tokenizer.SpecialTokens;
import org.jllm.tokenizer.TokenType;
import org.jllm.tokenizer.Tokenizer;
import org.jllm.tokenizer.UnsupportedTokenizerException;
import org.jllm.tokenizer.Vocabulary;
import org.jllm.tokenizer.bpe.BpeMerges;
import org.jllm.tokenizer.bpe.BpeMergesFile;
import org.jllm.tokenizer.bpe.BpeTokenizer;
import org.jllm.tokenizer.bpe.MergeList;
import org.jllm.tokenizer.bpe.PreTokenizer;
import org.jllm.tokenizer.spm.SpmTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the tokenizer a GGUF file describes in its {@code tokenizer.ggml.*} metadata, with llama.cpp's (b4748)
 * defaults for what a file leaves out: {@code llama} (SentencePiece-style BPE) and {@code gpt2} (byte-level BPE with
 * the pre-tokenizer named by {@code tokenizer.ggml.pre}).
 */
public final class GgufTokenizers {
    private static final Logger LOG = LoggerFactory.getLogger(GgufTokenizers.class);

    private GgufTokenizers() {
    }

    public static Tokenizer load(GgufFile f) throws ModelFormatException, GgufFormatException {
        return load(f, null);
    }

    /**
     * As {@link #load(GgufFile)}, keeping byte-level BPE merge tables in {@code cache} (null: nowhere): the first load
     * of a vocabulary builds its table and stores it there, later loads of any file with the same tokens and merges
     * read it. A table that cannot be read or written is logged and built instead.
     */
    public static Tokenizer load(GgufFile f, Path cache) throws ModelFormatException, GgufFormatException {
        String model = f.findString("tokenizer.ggml.model").orElseThrow(() ->
                new ModelFormatException(f.path() + ": metadata 'tokenizer.ggml.model' is missing: no tokenizer"));
        return switch (model) {
            case "llama" -> {
                Vocabulary v = vocabulary(f, true, true);
                yield new SpmTokenizer(v, SpecialTokens.of(v, rstripIds(f, v)));
            }
            case "gpt2" -> {
                String pre = f.findString("tokenizer.ggml.pre").orElse("default");
                PreTokenizer preTokenizer;
                try {
                    preTokenizer = PreTokenizer.llamaCpp(pre);
                } catch (UnsupportedTokenizerException e) {
                    throw new ModelFormatException(f.path() + ": metadata 'tokenizer.ggml.pre': " + e.getMessage());
                }
                Vocabulary v = vocabulary(f, false, PreTokenizer.llamaCppAddsBos(pre));
                yield new BpeTokenizer(v, merges(f, v.tokens(), cache), preTokenizer,
                        PreTokenizer.llamaCppIgnoresMerges(pre),
                        SpecialTokens.of(v, rstripIds(f, v)));
            }
            default -> throw new ModelFormatException(f.path() + ": metadata 'tokenizer.ggml.model' = '" + model
                    + "' is not supported (supported: llama, gpt2)");
        };
    }

    /**
     * The merge table of {@code tokenizer.ggml.merges} over {@code tokens}: read from {@code cache} when a table for
     * the same tokens and merges (by a CRC-32C of each array as stored) is there, else built and stored.
     */
    private static BpeMerges merges(GgufFile f, String[] tokens, Path cache)
            throws ModelFormatException, GgufFormatException {
        GgufStrings stored = f.getStrings("tokenizer.ggml.merges");
        Path file = null;
        long key = 0;
        if (cache != null) {
            key = (long) f.getStrings("tokenizer.ggml.tokens").crc32c() << 32 | (stored.crc32c() & 0xffffffffL);
            file = cache.resolve(String.format("merges-%016x.jllm-bpe", key));
            try {
                BpeMerges m = BpeMergesFile.read(file, key, tokens);
                if (m != null) {
                    LOG.debug("{}: merge table read from {}", f.path(), file);
                    return m;
                }
            } catch (IOException e) {
                LOG.warn("{}: cannot read the merge table {} ({}), building it", f.path(), file, e.toString());
            }
        }
        BpeMerges m;
        try {
            m = new BpeMerges(tokens, MergeList.parse(stored.toArray()));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(f.path() + ": metadata 'tokenizer.ggml.merges': " + e.getMessage());
        }
        if (file != null) {
            try {
                BpeMergesFile.write(file, key, m);
            } catch (IOException e) {
                LOG.warn("{}: cannot write the merge table {} ({})", f.path(), file, e.toString());
            }
        }
        return m;
    }

    /**
     * The vocabulary with llama.cpp's defaults for keys a file leaves out: SentencePiece-style vocabularies have
     * BOS 1, EOS 2, unknown 0, add BOS and a space prefix; byte-level ones BOS = EOS = 11 and no prefix.
     */
    static Vocabulary vocabulary(GgufFile f, boolean spm, boolean addBosByDefault)
            throws GgufFormatException, ModelFormatException {
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
        int bos = specialId(f, "tokenizer.ggml.bos_token_id", spm ? 1 : 11, n);
        int eos = specialId(f, "tokenizer.ggml.eos_token_id", spm ? 2 : 11, n);
        int unk = specialId(f, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, n);
        boolean addBos = f.findBoolean("tokenizer.ggml.add_bos_token").orElse(spm || addBosByDefault);
        boolean addEos = f.findBoolean("tokenizer.ggml.add_eos_token").orElse(false);
        boolean addSpacePrefix = spm && f.findBoolean("tokenizer.ggml.add_space_prefix").orElse(true);
        return new Vocabulary(tokens, scores, types, bos, eos, unk, addBos, addEos, addSpacePrefix);
    }

    /**
     * Special tokens that swallow the whitespace after them: llama.cpp gives Phi-3 files (by {@code general.name})
     * this attribute on every special token except {@code <unk>}, {@code <s>} and {@code <|endoftext|>}, and on
     * {@code </s>}.
     */
    private static Set<Integer> rstripIds(GgufFile f, Vocabulary v) throws GgufFormatException {
        String name = f.findString("general.name").orElse("").toLowerCase(Locale.ROOT);
        Set<Integer> ids = new HashSet<>();
        if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id = 0; id < v.size(); id++) {
                TokenType t = v.type(id);
                String text = v.token(id);
                boolean special = t == TokenType.CONTROL || t == TokenType.UNKNOWN || t == TokenType.USER_DEFINED;
                if ((special || text.equals("</s>"))
                        && !(text.equals("<unk>") || text.equals("<s>") || text.equals("<|endoftext|>"))) {
                    ids.add(id);
                }
            }
        }
        return ids;
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
