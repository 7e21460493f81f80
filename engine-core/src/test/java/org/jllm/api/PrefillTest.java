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
    /** 150 tokens: two full blocks of 64 and a partial one. */
    private static final int PROMPT = 150;

    static Stream<String> models() {
        return Stream.concat(ReferenceModels.FLOAT_MODELS.stream(), ReferenceModels.QUANTIZED_MODELS.stream());
    }

    /**
     * The block path multiplies the same rounded activations as the token path. For F32 and F16 weights whose rows
     * are a multiple of 16 values it also sums in the same order and gives the same bits (measured: 0 difference on
     * tinystories-656k and synth-llama-256); stories260K's 172-value rows take another order (8.6e-6 for F32, 0.006
     * for F16). BF16 and quantized weights are summed in float instead of llama.cpp's pair-wise or integer order:
     * float rounding, until an activation rounding flips downstream (measured: BF16 0.04, quantized 0.003-0.31).
     * So the tolerances are the reference tolerances: the block path must be as good as the token path.
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
}
