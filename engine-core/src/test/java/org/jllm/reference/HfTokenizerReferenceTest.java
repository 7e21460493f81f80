package org.jllm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jllm.testing.TestData;
import org.jllm.tokenizer.Tokenizer;
import org.jllm.tokenizer.UnsupportedTokenizerException;
import org.jllm.tokenizer.hf.HfTokenizers;
import org.jllm.tokenizer.hf.TokenizerFileException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokenizers loaded from Hugging Face files against the same references as their GGUF twins. */
@Tag("reference")
class HfTokenizerReferenceTest {

    @Test
    void llama3EncoderJsonAndVocabBpe() throws Exception {
        Path dir = TestData.sharedFile("models/llama3-tokenizer");
        Tokenizer tok = HfTokenizers.load(dir, "llama-bpe");
        JsonNode ref = TestData.json(TestData.sharedFile("reference/tokenizer/llama3.json"));
        assertCases(tok, ref, "llama3.json");
        Path vectors = TestData.sharedFile("models/vocab/ggml-vocab-llama-bpe.gguf.inp");
        ReferenceTokenizerTest.checkVectors(tok, vectors, vectors.resolveSibling("ggml-vocab-llama-bpe.gguf.out"));
    }

    @Test
    void qwen2VocabJsonAndMergesTxt() throws Exception {
        Tokenizer tok = HfTokenizers.load(TestData.sharedFile("models/qwen2-tokenizer"), "qwen2");
        assertCases(tok, TestData.json(TestData.sharedFile("reference/tokenizer/ggml-vocab-qwen2.json")), "qwen2");
        Path vectors = TestData.sharedFile("models/vocab/ggml-vocab-qwen2.gguf.inp");
        ReferenceTokenizerTest.checkVectors(tok, vectors, vectors.resolveSibling("ggml-vocab-qwen2.gguf.out"));
    }

    /** Llama 3's tokenizer.json layout (Split + ByteLevel, ignore_merges), built from the same two files. */
    @Test
    void llama3TokenizerJson(@TempDir Path tmp) throws Exception {
        Path dir = TestData.sharedFile("models/llama3-tokenizer");
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").put("ignore_merges", true).put("byte_fallback", false);
        model.set("vocab", json.readTree(dir.resolve("encoder.json").toFile()));
        ArrayNode merges = model.putArray("merges");
        for (String line : Files.readAllLines(dir.resolve("vocab.bpe"), StandardCharsets.UTF_8)) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                merges.add(line);
            }
        }
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        split.putObject("pattern").put("Regex", TestData.json(TestData.sharedFile("reference/tokenizer/llama3.json"))
                .get("pre_tokenizer_regex").asText());
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        root.putObject("decoder").put("type", "ByteLevel");
        Path file = tmp.resolve("tokenizer.json");
        json.writeValue(file.toFile(), root);

        Tokenizer tok = HfTokenizers.load(file, null);
        assertCases(tok, TestData.json(TestData.sharedFile("reference/tokenizer/llama3.json")), "llama3 tokenizer.json");
    }

    /** TinyStories-656K's tokenizer.json and its GGUF give the same ids wherever the vocabulary covers the text. */
    @Test
    void tinyStoriesTokenizerJsonEqualsItsGguf() throws Exception {
        Tokenizer hf = HfTokenizers.load(TestData.sharedFile("models/tinystories-656k"), null);
        JsonNode ref = TestData.json(TestData.sharedFile("reference/tokenizer/tinystories-656k.json"));
        Tokenizer gguf = ReferenceTokenizerTest.load(TestData.sharedFile(ref.get("vocab").asText()));
        int cases = 0;
        for (JsonNode c : ref.get("cases")) {
            String text = c.get("text").asText();
            assertArrayEquals(TestData.ints(c.get("ids")), hf.encode(text, false), () -> "ids of " + text);
            assertArrayEquals(gguf.encode(text, true), hf.encode(text, true), () -> "ids with BOS of " + text);
            assertEquals(text, hf.decode(hf.encode(text, true)), "round trip");
            cases++;
        }
        assertTrue(cases >= 20);
        // Where the GGUF has no token (llama.cpp stops), tokenizer.json falls back to <unk>.
        String outside = ref.get("error_cases").get(0).get("text").asText();
        int[] ids = hf.encode(outside, false);
        assertTrue(ids.length > 0 && java.util.Arrays.stream(ids).anyMatch(id -> id == hf.vocabulary().unkId()));
    }

    @Test
    void badTokenizerFilesGetClearErrors(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 2}, \"merges\": []}}");
        TokenizerFileException holes = assertThrows(TokenizerFileException.class,
                () -> HfTokenizers.load(file, null));
        assertTrue(holes.getMessage().contains("no token has id 1"), holes.getMessage());

        Files.writeString(file, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        UnsupportedTokenizerException unigram = assertThrows(UnsupportedTokenizerException.class,
                () -> HfTokenizers.load(file, null));
        assertTrue(unigram.getMessage().contains("Unigram") && unigram.getMessage().contains(file.toString()));

        Files.writeString(file, "{\"model\": ");
        TokenizerFileException truncated = assertThrows(TokenizerFileException.class,
                () -> HfTokenizers.load(file, null));
        assertTrue(truncated.getMessage().contains("not valid JSON"), truncated.getMessage());

        Path pair = Files.createDirectory(tmp.resolve("pair"));
        Files.writeString(pair.resolve("encoder.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Files.writeString(pair.resolve("vocab.bpe"), "#version: 0.2\na b\n");
        assertThrows(UnsupportedTokenizerException.class, () -> HfTokenizers.load(pair, "no-such-pre"));
        assertArrayEquals(new int[] {2, 0}, HfTokenizers.load(pair, "gpt-2").encode("aba", false));
    }

    private static void assertCases(Tokenizer tok, JsonNode ref, String name) {
        List<JsonNode> cases = new java.util.ArrayList<>();
        ref.get("cases").forEach(cases::add);
        assertTrue(cases.size() >= 20, name + " cases: " + cases.size());
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] ids = tok.encode(text, false);
            assertArrayEquals(TestData.ints(c.get("ids")), ids, () -> name + ": ids of " + ReferenceTokenizerTest
                    .quote(text));
            assertEquals(text, tok.decode(ids), () -> name + ": round trip of " + ReferenceTokenizerTest.quote(text));
        }
    }
}
