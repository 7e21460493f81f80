package org.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.testing.ReferenceModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A prompt read in blocks of tokens (matrix-matrix products on dequantized weight tiles) gives the logits of reading
 * it one token at a time, at every position, for every weight type; across block boundaries and after tokens already
 * in the cache.
 */
class PrefillTest {
    /** 300 tokens: two full blocks of 128 and a partial one. */
    private static final int PROMPT = 300;

    static Stream<String> models() {
        return Stream.concat(ReferenceModels.FLOAT_MODELS.stream(), ReferenceModels.QUANTIZED_MODELS.stream());
    }

    /**
     * The block path multiplies the same rounded activations as the token path, and sums like llama.cpp does in each
     * case: attention scores of a batch in ggml_vec_dot_f32's order, of a single token in tinyBLAS's, and quantized
     * dot products in float instead of integers. So the two paths differ by float rounding, until an activation
     * rounding flips downstream, as llama.cpp's own batch and token-by-token runs do (its
     * {@code max_abs_diff_token_by_token}: up to 0.04 for BF16, 0.21 quantized). The tolerances are the reference
     * tolerances: the block path must be as good as the token path.
     */
    static double tolerance(String modelId) {
        return ReferenceModels.logitTolerance(modelId);
    }

    @ParameterizedTest
    @MethodSource("models")
    void blocksGiveTheLogitsOfTokenByToken(String modelId) {
        Model model = ReferenceModels.model(modelId);
        int vocab = model.tokenizer().vocabulary().size();
        int[] prompt = new SplittableRandom(modelId.hashCode()).ints(PROMPT, 1, vocab).toArray();
        float[][] expected = new float[PROMPT][];
        try (Session one = model.newSession(PROMPT)) {
            for (int i = 0; i < PROMPT; i++) {
                expected[i] = one.evaluate(prompt[i]).clone();
            }
        }
        float[][] actual = new float[PROMPT][];
        try (Session block = model.newSession(PROMPT)) {
            // Five tokens one by one, then the rest as blocks starting at position 5.
            for (int i = 0; i < 5; i++) {
                actual[i] = block.evaluate(prompt[i]).clone();
            }
            int[] rest = java.util.Arrays.copyOfRange(prompt, 5, PROMPT);
            float[] last = block.evaluate(rest, (i, logits) -> actual[5 + i] = logits.clone());
            assertArrayEquals(actual[PROMPT - 1], last, "the returned logits are the last position's");
            assertEquals(PROMPT, block.position());
        }
        double tol = tolerance(modelId);
        double worst = 0;
        for (int i = 0; i < PROMPT; i++) {
            for (int v = 0; v < vocab; v++) {
                worst = Math.max(worst, Math.abs(expected[i][v] - actual[i][v]));
            }
        }
        System.out.printf("prefill %s max abs diff %.3g%n", modelId, worst);
        double w = worst;
        assertTrue(w <= tol, () -> modelId + ": block logits differ by up to " + w + " (tolerance " + tol + ")");
    }

    /**
     * Blocks of few tokens take matrix-vector products instead of tiles ({@code MatMuls.smallestTileBlock}): a
     * short prompt, and a prompt whose last block is short, give the token path's logits at every position, and
     * return the last position's.
     */
    @ParameterizedTest
    @MethodSource("models")
    void shortBlocksGiveTheLogitsOfTokenByToken(String modelId) {
        Model model = ReferenceModels.model(modelId);
        int vocab = model.tokenizer().vocabulary().size();
        double tol = tolerance(modelId);
        for (int length : new int[] {3, 128 + 3}) {
            int[] prompt = new SplittableRandom(length).ints(length, 1, vocab).toArray();
            float[][] expected = new float[length][];
            try (Session one = model.newSession(length)) {
                for (int i = 0; i < length; i++) {
                    expected[i] = one.evaluate(prompt[i]).clone();
                }
            }
            float[][] actual = new float[length][];
            float[] last;
            float[] lastAlone;
            try (Session block = model.newSession(length)) {
                last = block.evaluate(prompt, (i, logits) -> actual[i] = logits.clone()).clone();
                block.reset();
                lastAlone = block.evaluate(prompt).clone();
            }
            assertArrayEquals(actual[length - 1], last, "the returned logits are the last position's");
            for (int i = 0; i < length; i++) {
                for (int v = 0; v < vocab; v++) {
                    double d = Math.abs(expected[i][v] - actual[i][v]);
                    int at = i;
                    assertTrue(d <= tol, () -> modelId + ", " + length + " tokens: position " + at + " differs by "
                            + d + " (tolerance " + tol + ")");
                }
            }
            assertArrayEquals(last, lastAlone, "without per-position logits, the same last logits");
        }
    }
}
