package org.jllm.model;

/**
 * A built decoder-only model: immutable weights plus the forward pass. Shared by every session; all per-sequence
 * data lives in a {@link ForwardState}.
 */
public interface LanguageModel {

    ModelConfig config();

    /**
     * A fresh state whose K/V cache holds {@code contextLength} positions; its matrix products are split over
     * {@code pool}.
     */
    ForwardState newState(int contextLength, org.jllm.runtime.WorkerPool pool);

    /**
     * Reads {@code token} at {@code position} (positions 0..position-1 must already be in the state's cache) and
     * returns the logits for the next token. The returned array belongs to the state and is overwritten by the next
     * call.
     */
    float[] forward(ForwardState state, int token, int position);
}
