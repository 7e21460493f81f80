package org.jllm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.WeightLayout;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.sampling.Sampler;
import org.jllm.testing.ReferenceModels;
import org.jllm.testing.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Q4_0, Q4_K or Q6_K model loaded with its matrices interleaved computes what it computes as stored: each product
 * has the same integer block sums and scales, summed in another float order (RowInterleavedKernelTest), so the two differ as
 * llama.cpp's own batch and token-by-token runs do: by float rounding, until an activation's 8-bit rounding flips
 * and moves later logits by up to a few tenths (measured 0.016 and 0.14 here). So the bound is the reference
 * tolerance, and the argmax must agree wherever the stored layout's best logit leads by more than it. (The reference
 * tests hold the interleaved default to llama.cpp's logits.)
 */
class WeightLayoutTest {
    private static final double TOLERANCE = ReferenceModels.QUANTIZED_TOLERANCE;

    @ParameterizedTest
    @ValueSource(strings = {"models/synthetic/synth-llama-256-q4_0.gguf", "models/tinystories-656k/gguf/tinystories-656k-q4_0.gguf",
            "models/stories260K/gguf/stories260K-q4_0.gguf", "models/synthetic/synth-llama-256-q4_k.gguf",
            "models/synthetic/synth-llama-256-q6_k.gguf", "models/synthetic/synth-llama-256-q4_k_m.gguf"})
    void interleavedModelsGiveTheStoredLayoutsLogitsAndTokens(String file) throws Exception {
        assumeTrue(Kernels.get().rowInterleaved(GgmlType.Q4_0) != null,
                "skipped: these kernels have no interleaved layouts (needs the Vector API with 512-bit vectors)");
        Path path = TestData.sharedFile(file);
        try (Model stored = Model.load(path, Kernels.get(), 2, WeightLayout.AS_STORED);
                Model interleaved = Model.load(path, Kernels.get(), 2, WeightLayout.INTERLEAVED);
                Session a = stored.newSession(64);
                Session b = interleaved.newSession(64)) {
            int vocab = stored.config().vocabularySize();
            int[] prompt = new SplittableRandom(file.hashCode()).ints(64, 1, vocab).toArray();
            double worst = 0;
            for (int pos = 0; pos < prompt.length; pos++) {
                float[] x = a.evaluate(prompt[pos]);
                float[] y = b.evaluate(prompt[pos]);
                for (int v = 0; v < vocab; v++) {
                    worst = Math.max(worst, Math.abs(x[v] - y[v]));
                }
                int best = Sampler.argmax(x);
                float lead = Float.POSITIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    if (v != best) {
                        lead = Math.min(lead, x[best] - x[v]);
                    }
                }
                if (lead > TOLERANCE) {
                    assertEquals(best, Sampler.argmax(y), file + " position " + pos + ": argmax");
                }
            }
            assertTrue(worst <= TOLERANCE, file + ": largest logit difference " + worst);
        }
    }
}
