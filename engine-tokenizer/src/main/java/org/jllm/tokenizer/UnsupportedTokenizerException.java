package org.jllm.tokenizer;

/** A tokenizer description names a model, pre-tokenizer, normalizer or decoder that jllm does not implement. */
public class UnsupportedTokenizerException extends RuntimeException {
    public UnsupportedTokenizerException(String message) {
        super(message);
    }
}
