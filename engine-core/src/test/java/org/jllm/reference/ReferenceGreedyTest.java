package org.jllm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.jllm.GenerationResult;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.sampling.GenerationParams;
import org.jllm.testing.ReferenceModels;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of every {@code greedy.json}: the prompt's ids equal llama.cpp's, and the greedy continuation equals
 * llama.cpp's up to the first step whose top-1/top-2 margin is within twice the logit tolerance (a step that close
 * may legitimately go either way).
 */
@Tag("reference")
class ReferenceGreedyTest {

    static Stream<String> models() {
        return java.util.stream.Stream.concat(ReferenceModels.FLOAT_MODELS.stream(),
                ReferenceModels.QUANTIZED_MODELS.stream());
    }

    @ParameterizedTest
    @MethodSource("models")
    void greedyContinuationsMatchLlamaCpp(String modelId) {
        JsonNode ref = TestData.json(ReferenceModels.dir(modelId).resolve("greedy.json"));
        Model model = ReferenceModels.model(modelId);
        double minMargin = ReferenceModels.isQuantized(modelId) ? ReferenceModels.QUANTIZED_TOLERANCE
                : 2 * ReferenceModels.logitTolerance(modelId);
        for (JsonNode c : ref.get("cases")) {
            int steps = c.get("generated_ids").size();
            int[] promptIds = TestData.ints(c.get("prompt_ids"));
            if (c.has("prompt")) {
                assertArrayEquals(promptIds, model.tokenizer().encode(c.get("prompt").asText(), true),
                        modelId + ": prompt ids of '" + c.get("prompt").asText() + "'");
            }
            int[] expected = TestData.ints(c.get("generated_ids"));
            double[] margins = TestData.doubles(c.get("top1_top2_margin"));
            GenerationResult r;
            try (Session session = model.newSession(promptIds.length + steps)) {
                r = session.generate(promptIds, GenerationParams.greedy(steps).withStopAtEndOfGeneration(false),
                        (id, text) -> true);
            }
            int[] actual = r.generatedIds();
            assertEquals(steps, actual.length);
            if (ReferenceModels.isBitExact(modelId)) {
                // Same logits bit for bit, prompt batch and single-token steps alike: even near ties agree.
                assertArrayEquals(expected, actual, modelId + " '" + c.path("prompt").asText() + "'");
            }
            for (int i = 0; i < steps; i++) {
                if (margins[i] < minMargin) {
                    break; // a near tie may go either way, and later steps then follow the other branch
                }
                assertEquals(expected[i], actual[i], modelId + " '" + c.path("prompt").asText() + "' step " + i);
            }
            if (c.has("generated_text")) {
                int agree = 0;
                while (agree < steps && expected[agree] == actual[agree]) {
                    agree++;
                }
                if (agree == steps) {
                    assertEquals(c.get("generated_text").asText(), r.text(), modelId + " generated text");
                }
            }
        }
    }
}
