package org.jllm.sampling;

import java.util.SplittableRandom;

/**
 * Picks the next token from logits. Greedy when the temperature is 0; otherwise, in llama.cpp's order: top-k, then
 * top-p on the softmax of the (untempered) logits, then temperature, then a draw from a seeded generator, so a given
 * seed reproduces a run exactly. One sampler per generation stream: it owns its random state and buffers.
 */
public final class Sampler {
    private final GenerationParams params;
    private final SplittableRandom random;
    private int[] order = new int[0];
    private float[] probs = new float[0];

    public Sampler(GenerationParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    /** The index of the largest value; the lowest index wins ties. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    public int sample(float[] logits) {
        if (params.temperature() == 0f) {
            return argmax(logits);
        }
        int n = logits.length;
        if (order.length < n) {
            order = new int[n];
            probs = new float[n];
        }
        // Candidates sorted by logit (descending, lower id first on ties), cut to top-k.
        int k = params.topK() > 0 ? Math.min(params.topK(), n) : n;
        int count = topCandidates(logits, k);

        // Top-p on the untempered distribution of the candidates.
        if (params.topP() < 1f) {
            float max = logits[order[0]];
            double sum = 0;
            for (int i = 0; i < count; i++) {
                sum += Math.exp(logits[order[i]] - max);
            }
            double cumulative = 0;
            for (int i = 0; i < count; i++) {
                cumulative += Math.exp(logits[order[i]] - max) / sum;
                if (cumulative >= params.topP()) {
                    count = i + 1;
                    break;
                }
            }
        }

        // Temperature, softmax, draw.
        float max = logits[order[0]];
        double sum = 0;
        for (int i = 0; i < count; i++) {
            float p = (float) Math.exp((logits[order[i]] - max) / params.temperature());
            probs[i] = p;
            sum += p;
        }
        double r = random.nextDouble() * sum;
        double acc = 0;
        for (int i = 0; i < count; i++) {
            acc += probs[i];
            if (r < acc) {
                return order[i];
            }
        }
        return order[count - 1];
    }

    /** Fills order[0..k) with the k best ids, best first; returns k. */
    private int topCandidates(float[] logits, int k) {
        int n = logits.length;
        // Selection into a small sorted prefix when k is small; a full sort otherwise.
        if (k <= 256) {
            int size = 0;
            for (int id = 0; id < n; id++) {
                float v = logits[id];
                if (size == k && !(v > logits[order[size - 1]])) {
                    continue;
                }
                int pos = size == k ? k - 1 : size++;
                while (pos > 0 && v > logits[order[pos - 1]]) {
                    order[pos] = order[pos - 1];
                    pos--;
                }
                order[pos] = id;
            }
            return size;
        }
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        java.util.Arrays.sort(boxed, (a, b) -> {
            int c = Float.compare(logits[b], logits[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int i = 0; i < k; i++) {
            order[i] = boxed[i];
        }
        return k;
    }
}
