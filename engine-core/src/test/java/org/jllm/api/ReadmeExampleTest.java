package org.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.jllm.GenerationResult;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.sampling.GenerationParams;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Test;

/** The Java example of the README, run as written; its output is checked against llama.cpp's greedy continuation. */
class ReadmeExampleTest {

    @Test
    void readmeExampleGeneratesLlamaCppsText() throws Exception {
        Path modelPath = TestData.model("tinystories-656k-f32.gguf");
        StringBuilder streamed = new StringBuilder();

        // --- README example ---
        try (Model model = Model.load(modelPath);
             Session session = model.newSession()) {
            GenerationResult result = session.generate("Once upon a time", GenerationParams.greedy(48),
                    (tokenId, text) -> {
                        streamed.append(text); // System.out.print(text) in the README
                        return true;           // false stops generation
                    });
            // --- end of README example ---

            assertEquals(result.text(), streamed.toString(), "streamed pieces add up to the result's text");
            assertEquals(48, result.generatedIds().length);
            if (TestData.sharedExists("reference/tinystories656k-f32/greedy.json")) {
                JsonNode c = TestData.json(TestData.sharedFile("reference/tinystories656k-f32/greedy.json"))
                        .get("cases").get(0);
                assertEquals("Once upon a time", c.get("prompt").asText());
                assertArrayEquals(TestData.ints(c.get("generated_ids")), result.generatedIds());
                assertEquals(c.get("generated_text").asText(), result.text());
            }
        }
    }
}
