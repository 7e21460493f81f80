package org.jllm.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A tokenizer's vocabulary: each id's text, score and type, plus the special ids and flags a model file declares.
 * Immutable; arrays are copied in and out.
 */
public final class Vocabulary {
    private final String[] tokens;
    private final float[] scores;
    private final TokenType[] types;
    private final int bosId;
    private final int eosId;
    private final int unkId;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;
    private volatile Map<String, Integer> index;

    /** @param bosId / eosId / unkId  -1 when the vocabulary has none */
    public Vocabulary(String[] tokens, float[] scores, TokenType[] types, int bosId, int eosId, int unkId,
                      boolean addBos, boolean addEos, boolean addSpacePrefix) {
        int n = tokens.length;
        if (scores.length != n || types.length != n) {
            throw new IllegalArgumentException("vocabulary arrays differ in length: " + n + " tokens, "
                    + scores.length + " scores, " + types.length + " types");
        }
        for (int id : new int[] {bosId, eosId, unkId}) {
            if (id < -1 || id >= n) {
                throw new IllegalArgumentException("special token id " + id + " is outside the vocabulary of " + n);
            }
        }
        this.tokens = tokens.clone();
        this.scores = scores.clone();
        this.types = types.clone();
        this.bosId = bosId;
        this.eosId = eosId;
        this.unkId = unkId;
        this.addBos = addBos;
        this.addEos = addEos;
        this.addSpacePrefix = addSpacePrefix;
    }

    public int size() {
        return tokens.length;
    }

    public String token(int id) {
        return tokens[id];
    }

    public float score(int id) {
        return scores[id];
    }

    public TokenType type(int id) {
        return types[id];
    }

    public String[] tokens() {
        return tokens.clone();
    }

    public float[] scores() {
        return scores.clone();
    }

    public TokenType[] types() {
        return types.clone();
    }

    /** Beginning-of-sequence id, or -1. */
    public int bosId() {
        return bosId;
    }

    /** End-of-sequence id, or -1. */
    public int eosId() {
        return eosId;
    }

    /** Unknown-token id, or -1. */
    public int unkId() {
        return unkId;
    }

    /** Whether encoding with special tokens puts BOS first. */
    public boolean addBos() {
        return addBos;
    }

    /** Whether encoding with special tokens puts EOS last. */
    public boolean addEos() {
        return addEos;
    }

    /** Whether SentencePiece-style encoding prepends a space to the text. */
    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    /** Id of the token whose text is {@code text}; the last one if several share it (as llama.cpp maps them). */
    public Optional<Integer> find(String text) {
        Map<String, Integer> map = index;
        if (map == null) {
            map = new HashMap<>(tokens.length * 2);
            for (int i = 0; i < tokens.length; i++) {
                map.put(tokens[i], i);
            }
            index = map;
        }
        return Optional.ofNullable(map.get(text));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && Arrays.equals(tokens, v.tokens) && Arrays.equals(scores, v.scores)
                && Arrays.equals(types, v.types) && bosId == v.bosId && eosId == v.eosId && unkId == v.unkId
                && addBos == v.addBos && addEos == v.addEos && addSpacePrefix == v.addSpacePrefix;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokens);
    }

    @Override
    public String toString() {
        return "Vocabulary[" + tokens.length + " tokens, bos=" + bosId + ", eos=" + eosId + "]";
    }
}
