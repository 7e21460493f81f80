package org.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.jllm.testing.TestData;
import org.jllm.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A byte-level BPE tokenizer whose merge table comes from the cache gives llama-tokenize's ids (Llama 3's vocabulary:
 * 128k tokens, 280k merges), as does one whose cached table was damaged and so rebuilt and stored again.
 */
class MergeTableCacheTest {

    @Test
    void aCachedMergeTableGivesLlamaCppIds(@TempDir Path cache) throws Exception {
        Path vocab = TestData.sharedFile("models/vocab/ggml-vocab-llama-bpe.gguf");
        JsonNode ref = TestData.json(TestData.sharedFile("reference/tokenizer/ggml-vocab-llama-bpe.json"));
        try (GgufFile f = GgufFile.open(vocab)) {
            check(GgufTokenizers.load(f, cache), ref, "built and stored");
            List<Path> stored = list(cache);
            assertEquals(1, stored.size(), "one table file: " + stored);
            assertTrue(stored.get(0).getFileName().toString().matches("merges-[0-9a-f]{16}\\.jllm-bpe"),
                    stored.get(0).toString());
            byte[] bytes = Files.readAllBytes(stored.get(0));

            check(GgufTokenizers.load(f, cache), ref, "read from the cache");

            byte[] damaged = bytes.clone();
            damaged[damaged.length / 3] ^= 0x40;
            Files.write(stored.get(0), damaged);
            check(GgufTokenizers.load(f, cache), ref, "rebuilt after damage");
            assertArrayEquals(bytes, Files.readAllBytes(stored.get(0)), "the damaged table is stored again");
            assertEquals(1, list(cache).size());
        }
    }

    private static void check(Tokenizer tok, JsonNode ref, String how) {
        int cases = 0;
        for (JsonNode c : ref.get("cases")) {
            String text = c.get("text").asText();
            assertArrayEquals(TestData.ints(c.get("ids")), tok.encode(text, false), () -> how + ": ids of " + text);
            cases++;
        }
        assertTrue(cases >= 20, "cases: " + cases);
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
