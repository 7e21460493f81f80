package org.jllm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufQuantizer;
import org.jllm.gguf.GgufTensorInfo;
import org.jllm.kernels.GgmlType;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The quantizer's tensor bytes against llama-quantize --pure's (per-tensor sha256 in reference/quantize). */
@Tag("reference")
class QuantizerReferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "f16", "bf16"})
    void tensorBytesEqualLlamaQuantize(String type, @TempDir Path tmp) throws Exception {
        JsonNode ref = TestData.json(TestData.sharedFile("reference/quantize/" + type + ".json"));
        Path out = tmp.resolve("out.gguf");
        GgufQuantizer.quantize(TestData.sharedFile(ref.get("source").asText()), out, GgufQuantizer.parseType(type));
        try (GgufFile f = GgufFile.open(out)) {
            int checked = 0;
            for (JsonNode t : ref.get("tensors")) {
                GgufTensorInfo info = f.tensor(t.get("name").asText());
                assertEquals(t.get("type").asText(), info.type().name(), info.name());
                assertEquals(t.get("bytes").asLong(), info.byteSize(), info.name());
                byte[] bytes = f.data(info).toArray(ValueLayout.JAVA_BYTE);
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
                assertEquals(t.get("sha256").asText(), sha, () -> type + ": bytes of " + info.name());
                checked++;
            }
            assertEquals(f.tensors().size(), checked, "every tensor is in the reference");
            assertTrue(f.getString("general.architecture").equals("llama"));
        }
    }

    @Test
    void metadataIsCopiedWithItsTypesAndTheModelRuns(@TempDir Path tmp) throws Exception {
        Path src = TestData.model("tinystories-656k-f32.gguf");
        Path out = tmp.resolve("q8.gguf");
        GgufQuantizer.quantize(src, out, GgmlType.Q8_0);
        try (GgufFile a = GgufFile.open(src); GgufFile b = GgufFile.open(out)) {
            for (String key : a.metadata().keySet()) {
                if (!key.equals("general.file_type")) {
                    assertArrayEquals(a.rawMetadataEntry(key), b.rawMetadataEntry(key), key);
                }
            }
            assertEquals(7, b.getInt("general.file_type"));
        }
        try (org.jllm.Model m = org.jllm.Model.load(out); org.jllm.Session s = m.newSession(64)) {
            assertEquals(m.config().vocabularySize(), s.evaluate(1).length);
        }
    }

    @Test
    void unsupportedTargetsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GgufQuantizer.parseType("Q4_K_M"));
        assertTrue(e.getMessage().contains("Q4_K_M"), e.getMessage());
    }
}
