package org.jllm;

/**
 * What a call to generate produced.
 *
 * @param promptTokens    prompt tokens read (including BOS)
 * @param generatedIds    the generated token ids, in order
 * @param text            the generated text
 * @param stopReason      why generation ended
 * @param promptNanos     time spent reading the prompt
 * @param generationNanos time spent generating
 */
public record GenerationResult(int promptTokens, int[] generatedIds, String text, StopReason stopReason,
                               long promptNanos, long generationNanos) {

    public enum StopReason { MAX_TOKENS, END_OF_GENERATION, LISTENER }

    @Override
    public int[] generatedIds() {
        return generatedIds.clone();
    }

    /** Generated tokens per second, counting from the first generated token. */
    public double tokensPerSecond() {
        return generationNanos == 0 ? 0 : generatedIds.length * 1e9 / generationNanos;
    }
}
