package org.jllm;

/** A prompt plus the tokens to generate do not fit in the session's context (its K/V cache). */
public class ContextLengthExceededException extends RuntimeException {
    public ContextLengthExceededException(String message) {
        super(message);
    }
}
