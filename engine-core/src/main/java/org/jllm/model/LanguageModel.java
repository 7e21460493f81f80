package org.jllm.model;

/**
 * A built decoder-only model: immutable weights plus the forward pass. Shared by every session; all per-sequence
 * data lives in a {@link ForwardState}.
 */
public interface LanguageModel {

    ModelConfig config();

    /**
     * A fresh state whose K/V cache holds {@code contextLength} positions in {@code kvType}; its matrix products are
     * split over {@code pool}.
     */
    ForwardState newState(int contextLength, org.jllm.KvCacheType kvType, org.jllm.runtime.WorkerPool pool);

    /**
     * Reads {@code token} at {@code position} (positions 0..position-1 must already be in the state's cache) and
     * returns the logits for the next token. The returned array belongs to the state and is overwritten by the next
     * call.
     */
    float[] forward(ForwardState state, int token, int position);

    /**
     * Reads {@code count} tokens from {@code tokens[offset..]} at positions {@code position..} (a prompt) as blocks of
     * tokens: each weight matrix is read once per block. Returns the logits for the token after the last one (an
     * array of the state, as {@link #forward(ForwardState, int, int)}). When {@code eachPosition} is not null it
     * receives the logits of every position in order; they then take a block-sized buffer of the vocabulary size.
     */
    float[] forward(ForwardState state, int[] tokens, int offset, int count, int position, PositionLogits eachPosition);

    /** Receives the logits after the token at {@code index} (counted from the first token of the call). */
    @FunctionalInterface
    interface PositionLogits {
        /** {@code logits} is valid during the call only. */
        void accept(int index, float[] logits);
    }
}
