package org.jllm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufTokenizers;
import org.jllm.testing.TestData;
import org.jllm.tokenizer.TokenizationException;
import org.jllm.tokenizer.Tokenizer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tokenizer ids against llama-tokenize and llama.cpp's own test vectors, byte for byte. */
@Tag("reference")
class ReferenceTokenizerTest {

    static Tokenizer load(Path gguf) throws Exception {
        try (GgufFile f = GgufFile.open(gguf)) {
            return GgufTokenizers.load(f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tinystories-656k", "ggml-vocab-llama-spm"})
    void idsMatchLlamaTokenize(String name) throws Exception {
        JsonNode ref = TestData.json(TestData.sharedFile("reference/tokenizer/" + name + ".json"));
        Tokenizer tok = load(TestData.sharedFile(ref.get("vocab").asText()));
        int cases = 0;
        for (JsonNode c : ref.get("cases")) {
            String text = c.get("text").asText();
            int[] ids = tok.encode(text, false);
            assertArrayEquals(TestData.ints(c.get("ids")), ids, () -> name + ": ids of " + quote(text));
            // Round trip: SPM decoding gives back the text behind the space prefix.
            String decoded = tok.decode(ids);
            assertEquals(tok.vocabulary().addSpacePrefix() && !text.isEmpty() ? " " + text : text, decoded,
                    () -> name + ": round trip of " + quote(text));
            cases++;
        }
        assertTrue(cases >= 20, "cases read: " + cases);
        for (JsonNode c : ref.path("error_cases")) {
            String text = c.get("text").asText();
            TokenizationException e = assertThrows(TokenizationException.class, () -> tok.encode(text, false),
                    () -> name + ": " + quote(text) + " should not be encodable");
            assertTrue(e.getMessage().contains("cannot tokenize character"), e.getMessage());
        }
    }

    @Test
    void llamaSpmVectorsOfLlamaCpp() throws Exception {
        Path vocab = TestData.sharedFile("models/vocab/ggml-vocab-llama-spm.gguf");
        Tokenizer tok = load(vocab);
        String inp = Files.readString(vocab.resolveSibling("ggml-vocab-llama-spm.gguf.inp"), StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(vocab.resolveSibling("ggml-vocab-llama-spm.gguf.out"));
        // test-tokenizer-0's format: strings separated by "\n__ggml_vocab_test__\n", one line of ids per string.
        String[] texts = inp.split("\n__ggml_vocab_test__\n", -1);
        assertEquals(out.size(), texts.length - 1, "strings vs id lines");
        for (int i = 0; i < out.size(); i++) {
            String line = out.get(i).trim();
            int[] expected = line.isEmpty() ? new int[0]
                    : Arrays.stream(line.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            String text = texts[i];
            assertArrayEquals(expected, tok.encode(text, false), () -> "ids of " + quote(text));
        }
    }

    @Test
    void bosIsAddedWhenTheVocabularyAsksForIt() throws Exception {
        Tokenizer tok = load(TestData.model("stories260K.gguf"));
        int[] ids = tok.encode("Once upon a time", true);
        assertEquals(1, ids[0]);
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, ids); // llama.cpp's prompt_ids for this prompt
    }

    private static String quote(String s) {
        return "'" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
    }
}
