package org.jllm.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jllm.Model;
import org.jllm.kernels.Kernels;

/** The llama.cpp reference runs in {@code ../shared/reference} this engine must reproduce, and their tolerances. */
public final class ReferenceModels {
    /** Model ids (folders of ../shared/reference) whose weights are F32, F16 or BF16. */
    public static final List<String> FLOAT_MODELS = List.of(
            "stories260K-f32", "stories260K-f16",
            "tinystories656k-f32", "tinystories656k-f16", "tinystories656k-bf16",
            "synth-llama-256-f32", "synth-llama-256-f16", "synth-llama-256-bf16");

    /** Model ids whose weights are quantized to a type the kernels compute with. */
    public static final List<String> QUANTIZED_MODELS = List.of(
            "stories260K-q8_0", "tinystories656k-q8_0", "tinystories656k-upstream-q8_0", "synth-llama-256-q8_0",
            "stories260K-q4_0", "tinystories656k-q4_0", "synth-llama-256-q4_0",
            "tinystories656k-q4_1", "tinystories656k-q5_0", "tinystories656k-q5_1", "synth-llama-256-iq4_nl",
            "synth-llama-256-q4_k", "synth-llama-256-q6_k", "synth-llama-256-q4_k_m",
            "synth-llama-256-q2_k", "synth-llama-256-q3_k", "synth-llama-256-q5_k", "synth-llama-256-iq4_xs");

    /**
     * Quantized models quantize the activations too; one flipped rounding then moves later logits by 0.1-0.5 (as
     * llama.cpp's own batch and token-by-token runs differ). So: max abs difference 0.5, and the same argmax wherever
     * llama.cpp's top-1/top-2 margin exceeds it.
     */
    public static final double QUANTIZED_TOLERANCE = 0.5;

    public static boolean isQuantized(String modelId) {
        return QUANTIZED_MODELS.contains(modelId);
    }

    private static final Map<String, Model> LOADED = new ConcurrentHashMap<>();

    private ReferenceModels() {
    }

    public static Path dir(String modelId) {
        return TestData.sharedFile("reference/" + modelId);
    }

    /**
     * Max abs logit difference accepted for a model id, by weight type: 1e-4 for F32 (measured: under 1e-5), 1e-2
     * for F16 (measured: under 0.0094) and 0.1 for BF16 (measured: under 0.042). F16 and BF16 activations are rounded
     * before each matmul and summed in the order of llama.cpp's AVX-512 kernels, as llama.cpp does; what remains is
     * of the size of llama.cpp's own batch-versus-token-by-token noise ({@code max_abs_diff_token_by_token}).
     */
    /**
     * Float files whose logits equal llama.cpp's bit for bit (every row a multiple of 32 values: the summation orders
     * and roundings are llama.cpp's); stories260K's 172-value FFN rows go through ggml's generic paths instead.
     */
    public static boolean isBitExact(String modelId) {
        return !isQuantized(modelId) && !modelId.startsWith("stories260K");
    }

    public static double logitTolerance(String modelId) {
        if (isQuantized(modelId)) {
            return QUANTIZED_TOLERANCE;
        }
        if (modelId.endsWith("-f32")) {
            return 1e-4;
        }
        if (modelId.endsWith("-f16")) {
            return 1e-2;
        }
        if (modelId.endsWith("-bf16")) {
            return 0.1;
        }
        throw new IllegalArgumentException("no tolerance for " + modelId);
    }

    /** The model file a reference folder was computed from, loaded once per JVM (sessions are per test). */
    public static Model model(String modelId) {
        JsonNode greedy = TestData.json(dir(modelId).resolve("greedy.json"));
        Path file = TestData.sharedFile(greedy.get("model").asText());
        return LOADED.computeIfAbsent(modelId + "@" + Kernels.get().name(), k -> {
            try {
                return Model.load(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
