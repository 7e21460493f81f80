package org.jllm.model;

/**
 * What one sequence needs between forward steps: its K/V cache and scratch buffers. Made by
 * {@link LanguageModel#newState}, used by one thread at a time.
 */
public interface ForwardState {

    /** Positions the K/V cache holds. */
    int contextLength();
}
