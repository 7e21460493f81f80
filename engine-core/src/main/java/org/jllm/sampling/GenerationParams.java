package org.jllm.sampling;

/**
 * How to pick each next token and when to stop.
 *
 * @param maxTokens   tokens to generate at most (> 0)
 * @param temperature 0 for greedy decoding (argmax, lowest id on ties); otherwise the softmax temperature
 * @param topK        keep only the k most likely tokens before sampling; 0 keeps all
 * @param topP        keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all
 * @param seed        seed of the sampler's random numbers: equal seeds give equal outputs
 * @param stopAtEndOfGeneration stop at the vocabulary's end-of-generation token (EOS)
 */
public record GenerationParams(int maxTokens, float temperature, int topK, float topP, long seed,
                               boolean stopAtEndOfGeneration) {

    public GenerationParams {
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens must be > 0, got " + maxTokens);
        }
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
    }

    /** Greedy decoding of up to {@code maxTokens} tokens, stopping at end of generation. */
    public static GenerationParams greedy(int maxTokens) {
        return new GenerationParams(maxTokens, 0f, 0, 1f, 0L, true);
    }

    /** Sampling with llama.cpp's usual defaults: temperature 0.8, top-k 40, top-p 0.95. */
    public static GenerationParams sampling(int maxTokens, long seed) {
        return new GenerationParams(maxTokens, 0.8f, 40, 0.95f, seed, true);
    }

    public GenerationParams withMaxTokens(int n) {
        return new GenerationParams(n, temperature, topK, topP, seed, stopAtEndOfGeneration);
    }

    public GenerationParams withTemperature(float t) {
        return new GenerationParams(maxTokens, t, topK, topP, seed, stopAtEndOfGeneration);
    }

    public GenerationParams withTopK(int k) {
        return new GenerationParams(maxTokens, temperature, k, topP, seed, stopAtEndOfGeneration);
    }

    public GenerationParams withTopP(float p) {
        return new GenerationParams(maxTokens, temperature, topK, p, seed, stopAtEndOfGeneration);
    }

    public GenerationParams withSeed(long s) {
        return new GenerationParams(maxTokens, temperature, topK, topP, s, stopAtEndOfGeneration);
    }

    public GenerationParams withStopAtEndOfGeneration(boolean stop) {
        return new GenerationParams(maxTokens, temperature, topK, topP, seed, stop);
    }
}
