package org.jllm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufTokenizers;
import org.jllm.testing.TestData;
import org.jllm.tokenizer.TokenizationException;
import org.jllm.tokenizer.Tokenizer;
import org.jllm.tokenizer.bpe.BpeTokenizer;
import org.jllm.tokenizer.bpe.ByteLevel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Tokenizer ids against llama-tokenize and llama.cpp's own test vectors, byte for byte. */
@Tag("reference")
class ReferenceTokenizerTest {
    private static final Map<Path, Tokenizer> LOADED = new ConcurrentHashMap<>();

    static Tokenizer load(Path gguf) {
        return LOADED.computeIfAbsent(gguf, p -> {
            try (GgufFile f = GgufFile.open(p)) {
                return GgufTokenizers.load(f);
            } catch (Exception e) {
                throw new IllegalStateException(p + ": " + e.getMessage(), e);
            }
        });
    }

    /** Every {@code reference/tokenizer/*.json} made by llama-tokenize (all but llama3.json, which has no GGUF). */
    @TestFactory
    Stream<DynamicTest> idsMatchLlamaTokenize() throws IOException {
        Path dir = TestData.sharedFile("reference/tokenizer");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("llama3.json"))
                    .sorted().toList();
        }
        assertTrue(files.size() >= 16, "reference files: " + files.size());
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> checkReference(p)));
    }

    private static void checkReference(Path file) {
        JsonNode ref = TestData.json(file);
        String name = file.getFileName().toString();
        assertTrue(!ref.get("add_bos").asBoolean() && !ref.get("parse_special").asBoolean(), "reference flags");
        Tokenizer tok = load(TestData.sharedFile(ref.get("vocab").asText()));
        int cases = 0;
        for (JsonNode c : ref.get("cases")) {
            String text = c.get("text").asText();
            int[] ids = tok.encode(text, false);
            assertArrayEquals(TestData.ints(c.get("ids")), ids, () -> name + ": ids of " + quote(text));
            if (representable(tok, text)) {
                assertEquals(expectedDecoding(tok, text), tok.decode(ids), () -> name + ": round trip of " + quote(text));
            }
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

    /**
     * Whether a byte-level vocabulary has a token for every byte of the text (llama.cpp drops bytes it has none for,
     * e.g. U+000B in Falcon's vocabulary). SentencePiece-style vocabularies throw instead, so always pass.
     */
    private static boolean representable(Tokenizer tok, String text) {
        if (!(tok instanceof BpeTokenizer)) {
            return true;
        }
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            if (tok.vocabulary().find(String.valueOf(ByteLevel.charOf(b))).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** SentencePiece-style decoding gives back the text behind the space prefix; byte-level BPE the text itself. */
    private static String expectedDecoding(Tokenizer tok, String text) {
        return tok.vocabulary().addSpacePrefix() && !text.isEmpty() ? " " + text : text;
    }

    /**
     * llama.cpp's {@code test-tokenizer-0} vectors: {@code X.gguf.inp} holds strings separated by
     * {@code \n__ggml_vocab_test__\n}, {@code X.gguf.out} one line of ids per string. Pairs whose vocabulary GGUF is
     * not in ../shared are reported as skipped.
     */
    @TestFactory
    Stream<DynamicTest> llamaCppVocabVectors() throws IOException {
        Path dir = TestData.sharedFile("models/vocab");
        List<Path> inputs;
        try (Stream<Path> s = Files.list(dir)) {
            inputs = s.filter(p -> p.toString().endsWith(".gguf.inp")).sorted().toList();
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path inp : inputs) {
            String gguf = inp.getFileName().toString().replace(".inp", "");
            if (gguf.equals("ggml-vocab-bert-bge.gguf")) {
                continue; // WordPiece (tokenizer model 'bert') is outside the BPE families
            }
            tests.add(DynamicTest.dynamicTest(gguf, () -> {
                Path vocab = inp.resolveSibling(gguf);
                assumeTrue(Files.exists(vocab), () -> "skipped: " + vocab + " is absent (only its vectors are here)");
                checkVectors(load(vocab), inp, inp.resolveSibling(gguf + ".out"));
            }));
        }
        assertTrue(tests.size() >= 14, "vector files: " + tests.size());
        return tests.stream();
    }

    static void checkVectors(Tokenizer tok, Path inp, Path outFile) throws IOException {
        String all = Files.readString(inp, StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(outFile, StandardCharsets.UTF_8);
        String[] texts = all.split("\n__ggml_vocab_test__\n", -1);
        assertEquals(out.size(), texts.length - 1, "strings vs id lines");
        for (int i = 0; i < out.size(); i++) {
            String line = out.get(i).trim();
            int[] expected = line.isEmpty() ? new int[0]
                    : Arrays.stream(line.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            String text = texts[i];
            assertArrayEquals(expected, tok.encode(text, false), () -> inp.getFileName() + ": ids of " + quote(text));
        }
    }

    @Test
    void bosIsAddedWhenTheVocabularyAsksForIt() throws Exception {
        Tokenizer tok = load(TestData.model("stories260K.gguf"));
        int[] ids = tok.encode("Once upon a time", true);
        assertEquals(1, ids[0]);
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, ids); // llama.cpp's prompt_ids for this prompt
    }

    @Test
    void byteLevelVocabulariesLoadWithTheirPreTokenizer() {
        Tokenizer tok = load(TestData.sharedFile("models/vocab/ggml-vocab-llama-bpe.gguf"));
        BpeTokenizer bpe = assertInstanceOf(tok);
        assertEquals("llama-bpe", bpe.preTokenizer().name());
        assertTrue(tok.vocabulary().addBos(), "llama-bpe adds BOS by default");
        assertEquals(128000, tok.encode("Hi", true)[0]);
    }

    private static BpeTokenizer assertInstanceOf(Tokenizer tok) {
        assertTrue(tok instanceof BpeTokenizer, tok.getClass().getName());
        return (BpeTokenizer) tok;
    }

    static String quote(String s) {
        return "'" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
    }
}
