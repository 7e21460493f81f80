package org.jllm.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.testing.ReferenceModels;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Logits at every position of every {@code logits-*.json}, against llama.cpp's (F32 K/V cache). */
@Tag("reference")
class ReferenceLogitsTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String id : ReferenceModels.FLOAT_MODELS) {
            for (int k = 1; k <= 3; k++) {
                out.add(Arguments.of(id, k));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} logits-{1}")
    @MethodSource("cases")
    void logitsMatchLlamaCpp(String modelId, int k) throws Exception {
        Path json = ReferenceModels.dir(modelId).resolve("logits-" + k + ".json");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(json), "no " + json.getFileName());
        JsonNode ref = TestData.json(json);
        int[] ids = TestData.ints(ref.get("ids"));
        int vocab = ref.get("n_vocab").asInt();
        float[] expected = TestData.littleEndianFloats(json.resolveSibling(ref.get("data").asText()));
        assertEquals((long) ids.length * vocab, expected.length, "reference shape");

        Model model = ReferenceModels.model(modelId);
        double tol = ReferenceModels.logitTolerance(modelId);
        double maxDiff = 0;
        int worstPos = -1;
        try (Session session = model.newSession(ids.length)) {
            for (int pos = 0; pos < ids.length; pos++) {
                float[] logits = session.evaluate(ids[pos]);
                assertEquals(vocab, logits.length);
                for (int v = 0; v < vocab; v++) {
                    double d = Math.abs(logits[v] - expected[pos * vocab + v]);
                    if (!(d <= maxDiff)) {
                        maxDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                        worstPos = pos;
                    }
                }
            }
        }
        double worst = maxDiff;
        int at = worstPos;
        assertTrue(worst <= tol, () -> modelId + " logits-" + k + ": max abs diff " + worst + " at position " + at
                + " exceeds " + tol);
    }
}
