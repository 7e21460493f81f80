package org.jllm.tokenizer;

/** Token types as GGUF's {@code tokenizer.ggml.token_type} stores them (SentencePiece's piece types). */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    /** values() copies its array on every call: once per token of a 128k vocabulary. */
    private static final TokenType[] ALL = values();

    public static TokenType fromId(int id) {
        return id >= 0 && id < ALL.length ? ALL[id] : UNDEFINED;
    }
}
