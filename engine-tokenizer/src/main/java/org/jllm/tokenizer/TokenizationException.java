package org.jllm.tokenizer;

/** The text cannot be tokenized with this vocabulary (for example a character with neither a token nor a byte token). */
public class TokenizationException extends RuntimeException {
    public TokenizationException(String message) {
        super(message);
    }
}
