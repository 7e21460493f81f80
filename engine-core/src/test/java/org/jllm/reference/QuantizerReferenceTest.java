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
import org.jllm.kernels.Kernels;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The quantizer's tensor bytes against llama-quantize --pure's (per-tensor sha256 in reference/quantize). */
@Tag("reference")
class QuantizerReferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "f16", "bf16"})
    void tensorBytesEqualLlamaQuantize(String type, @TempDir Path tmp) throws Exception {
        JsonNode ref = TestData.json(TestData.sharedFile("reference/quantize/" + type + ".json"));
        Path out = tmp.resolve("out.gguf");
        GgufQuantizer.quantize(TestData.sharedFile(ref.get("source").asText()), out, GgufQuantizer.Target.parse(type),
                true);
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
        GgufQuantizer.quantize(src, out, GgufQuantizer.Target.Q8_0, true);
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
                () -> GgufQuantizer.Target.parse("IQ2_XXS"));
        assertTrue(e.getMessage().contains("IQ2_XXS") && e.getMessage().contains("Q4_K_M"), e.getMessage());
        assertEquals(GgufQuantizer.Target.Q4_K_M, GgufQuantizer.Target.parse("q4_k"));
    }

    /**
     * K-quants: llama-quantize's own Q4_K, Q6_K (both --pure) and Q4_K_M files of synth-llama-256 against ours from
     * the same F32 file. Every matrix gets the recipe's type, and its RMS error against the F32 weights is within 2 %
     * of llama-quantize's (the bound); on this file the bytes are even identical.
     */
    @ParameterizedTest
    @CsvSource({"Q4_K, true, q4_k", "Q6_K, true, q6_k", "Q4_K_M, false, q4_k_m"})
    void kQuantErrorsMatchLlamaQuantize(String target, boolean pure, String file, @TempDir Path tmp) throws Exception {
        Path src = TestData.sharedFile("models/synthetic/synth-llama-256-f32.gguf");
        Path theirs = TestData.sharedFile("models/synthetic/synth-llama-256-" + file + ".gguf");
        Path ours = tmp.resolve("ours.gguf");
        GgufQuantizer.quantize(src, ours, GgufQuantizer.Target.parse(target), pure);
        Kernels k = Kernels.scalar();
        try (GgufFile f = GgufFile.open(src); GgufFile a = GgufFile.open(ours); GgufFile b = GgufFile.open(theirs)) {
            assertEquals(b.getInt("general.file_type"), a.getInt("general.file_type"), "file type");
            int matrices = 0;
            double worst = 0;
            int identical = 0;
            for (GgufTensorInfo t : f.tensors()) {
                GgufTensorInfo ta = a.tensor(t.name());
                GgufTensorInfo tb = b.tensor(t.name());
                assertEquals(tb.type(), ta.type(), () -> target + ": type of " + t.name());
                if (t.dimensions() < 2) {
                    continue;
                }
                int cols = (int) t.dim(0);
                long rows = t.elementCount() / cols;
                float[] x = new float[cols];
                float[] qa = new float[cols];
                float[] qb = new float[cols];
                double errA = 0;
                double errB = 0;
                for (long r = 0; r < rows; r++) {
                    k.weights(t.type()).dequantizeRow(f.data(t), cols, r, x, 0);
                    k.weights(ta.type()).dequantizeRow(a.data(ta), cols, r, qa, 0);
                    k.weights(tb.type()).dequantizeRow(b.data(tb), cols, r, qb, 0);
                    for (int j = 0; j < cols; j++) {
                        errA += (qa[j] - x[j]) * (double) (qa[j] - x[j]);
                        errB += (qb[j] - x[j]) * (double) (qb[j] - x[j]);
                    }
                }
                double rmsA = Math.sqrt(errA / t.elementCount());
                double rmsB = Math.sqrt(errB / t.elementCount());
                assertTrue(rmsA <= 1.02 * rmsB, () -> target + " " + t.name() + ": RMS error " + rmsA
                        + " vs llama-quantize's " + rmsB);
                worst = Math.max(worst, rmsA / rmsB);
                if (java.util.Arrays.equals(a.data(ta).toArray(ValueLayout.JAVA_BYTE),
                        b.data(tb).toArray(ValueLayout.JAVA_BYTE))) {
                    identical++;
                }
                matrices++;
            }
            assertEquals(16, matrices, "matrices compared");
            // Measured: the bytes are llama-quantize's too (no fused multiply-add changed a rounding here).
            assertEquals(matrices, identical, "matrices byte-identical to llama-quantize's");
            System.out.printf("%s: RMS error / llama-quantize's, worst matrix %.4f; %d of %d matrices byte-identical%n",
                    target, worst, identical, matrices);
        }
    }
}
