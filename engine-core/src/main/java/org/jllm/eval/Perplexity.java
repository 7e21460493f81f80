package org.jllm.eval;

import org.jllm.Model;
import org.jllm.Session;

/**
 * Perplexity the way llama.cpp's {@code llama-perplexity} computes it: the tokens are cut into chunks of
 * {@code chunkSize}; each chunk starts with BOS in place of its first token and is read from an empty cache; the
 * logits of the second half of the chunk (positions chunkSize/2 .. chunkSize-2) score the tokens that follow them;
 * log-probabilities are accumulated in double.
 */
public final class Perplexity {

    /**
     * @param chunkPerplexity   each chunk's own perplexity
     * @param runningPerplexity perplexity over chunks 0..i (what llama-perplexity prints as [i+1])
     * @param perplexity        the final estimate
     * @param stderr            its standard error, computed as llama-perplexity does
     */
    public record Result(double[] chunkPerplexity, double[] runningPerplexity, double perplexity, double stderr,
                         int tokensScored) {
    }

    private Perplexity() {
    }

    /** Perplexity of {@code tokens} (the whole text tokenized once, BOS included). */
    public static Result compute(Model model, int[] tokens, int chunkSize) {
        if (chunkSize < 4) {
            throw new IllegalArgumentException("chunk size must be at least 4, got " + chunkSize);
        }
        int chunks = tokens.length / chunkSize;
        if (chunks == 0) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens, fewer than one chunk of "
                    + chunkSize);
        }
        int bos = model.tokenizer().vocabulary().bosId();
        int first = chunkSize / 2;
        double[] chunkPpl = new double[chunks];
        double[] running = new double[chunks];
        double nll = 0;
        double nll2 = 0;
        int count = 0;
        int[] chunk = new int[chunkSize - 1];
        double[] nlls = new double[chunkSize - 1];
        try (Session session = model.newSession(chunkSize)) {
            for (int c = 0; c < chunks; c++) {
                session.reset();
                int start = c * chunkSize;
                System.arraycopy(tokens, start, chunk, 0, chunk.length);
                if (bos >= 0) {
                    chunk[0] = bos;
                }
                // Like llama-perplexity, the chunk goes through the model as one batch.
                session.evaluate(chunk, (j, logits) -> {
                    if (j >= first) {
                        nlls[j] = -logSoftmax(logits, tokens[start + j + 1]);
                    }
                });
                double chunkNll = 0;
                for (int j = first; j < chunk.length; j++) {
                    double v = nlls[j];
                    chunkNll += v;
                    nll += v;
                    nll2 += v * v;
                    count++;
                }
                chunkPpl[c] = Math.exp(chunkNll / (chunkSize - 1 - first));
                running[c] = Math.exp(nll / count);
            }
        }
        double mean = nll / count;
        double var = nll2 / count - mean * mean;
        double stderr = count > 1 ? Math.sqrt(var / (count - 1)) * Math.exp(mean) : 0;
        return new Result(chunkPpl, running, Math.exp(mean), stderr, count);
    }

    private static double logSoftmax(float[] logits, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return logits[target] - max - Math.log(sum);
    }
}
