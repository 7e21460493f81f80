package org.jllm.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.jllm.Model;
import org.jllm.eval.Perplexity;
import org.jllm.testing.ReferenceModels;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code perplexity.json}: llama-perplexity's F32-K/V-cache run, every chunk and the final value, within 0.1 %. */
@Tag("reference")
class ReferencePerplexityTest {

    static Stream<String> models() {
        return ReferenceModels.FLOAT_MODELS.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void perplexityMatchesLlamaCpp(String modelId) throws Exception {
        Path json = ReferenceModels.dir(modelId).resolve("perplexity.json");
        Assumptions.assumeTrue(Files.exists(json), modelId + " has no perplexity reference");
        JsonNode ref = TestData.json(json);
        String text = Files.readString(TestData.sharedFile(ref.get("text").asText()));
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1); // llama-perplexity -f drops one trailing newline
        }
        Model model = ReferenceModels.model(modelId);
        int[] tokens = model.tokenizer().encode(text, true);
        assertEquals(ref.get("n_tokens").asInt(), tokens.length, "tokens in the text");

        Perplexity.Result r = Perplexity.compute(model, tokens, ref.get("n_ctx").asInt());
        JsonNode f32 = ref.get("kv_f32");
        double[] chunkPpl = TestData.doubles(f32.get("chunk_ppl"));
        assertEquals(chunkPpl.length, r.chunkPerplexity().length, "chunks");
        double chunkTolerance = 1e-3;
        double worst = 0;
        int worstChunk = -1;
        for (int i = 0; i < chunkPpl.length; i++) {
            double rel = Math.abs(r.chunkPerplexity()[i] / chunkPpl[i] - 1);
            if (rel > worst) {
                worst = rel;
                worstChunk = i;
            }
        }
        double w = worst;
        int wc = worstChunk;
        org.junit.jupiter.api.Assertions.assertTrue(w <= chunkTolerance, () -> modelId + ": chunk " + wc
                + " perplexity differs by " + w * 100 + " % from llama.cpp's (limit " + chunkTolerance * 100 + " %)");
        double expected = f32.get("final_ppl").asDouble();
        assertEquals(expected, r.perplexity(), expected * 1e-3, modelId + " final perplexity");
        assertEquals(f32.get("final_ppl_stderr").asDouble(), r.stderr(), 1e-3 * r.stderr() + 1e-5, "stderr");
    }
}
