package org.jllm.tokenizer;

/** Token types as GGUF's {@code tokenizer.ggml.token_type} stores them (SentencePiece's piece types). */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    public static TokenType fromId(int id) {
        TokenType[] all = values();
        return id >= 0 && id < all.length ? all[id] : UNDEFINED;
    }
}
