package org.jllm.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A tokenizer's vocabulary: each id's text, score and type, plus the special ids and flags a model file declares.
 * Immutable; arrays are copied in and out.
 *
 * @param bosId / eosId / unkId  -1 when the vocabulary has none
 */
public record Vocabulary(String[] tokens, float[] scores, TokenType[] types, int bosId, int eosId, int unkId,
                         boolean addBos, boolean addEos, boolean addSpacePrefix) {

    public Vocabulary {
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
        tokens = tokens.clone();
        scores = scores.clone();
        types = types.clone();
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

    @Override
    public String[] tokens() {
        return tokens.clone();
    }

    @Override
    public float[] scores() {
        return scores.clone();
    }

    @Override
    public TokenType[] types() {
        return types.clone();
    }

    /** Id of the token whose text is {@code text}; the first one if several share it. */
    public Optional<Integer> find(String text) {
        return Optional.ofNullable(index().get(text));
    }

    Map<String, Integer> index() {
        Map<String, Integer> map = new HashMap<>(tokens.length * 2);
        for (int i = tokens.length - 1; i >= 0; i--) {
            map.put(tokens[i], i);
        }
        return map;
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
