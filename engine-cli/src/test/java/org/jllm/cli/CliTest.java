package org.jllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands, run in-process on the committed models. */
class CliTest {
    static final Path MODELS = Path.of(System.getProperty("jllm.models", "../models"));
    static final String STORIES = MODELS.resolve("stories260K.gguf").toString();

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The cache keeps the interleaved copies of a quantized model's matrices, and they give the same text. */
    @Test
    void weightCacheOptionSaysWhereInterleavedCopiesAreKept() throws Exception {
        assumeTrue(org.jllm.kernels.Kernels.get().rowInterleaved(org.jllm.kernels.GgmlType.Q8_0) != null,
                "skipped: these kernels have no interleaved layouts (needs the Vector API with 512-bit vectors)");
        String model = MODELS.resolve(Common.DEFAULT_MODEL).toString();
        Path cache = tmp.resolve("cache");
        Run first = run("generate", "-m", model, "-p", "Once upon a time", "-n", "8", "--temperature", "0",
                "--weight-cache", cache.toString());
        assertEquals(0, first.code(), first.err());
        try (var files = Files.list(cache)) {
            assertEquals(1, files.filter(p -> p.toString().endsWith(".jllm-interleaved")).count());
        }
        Run second = run("generate", "-m", model, "-p", "Once upon a time", "-n", "8", "--temperature", "0",
                "--weight-cache", cache.toString());
        assertEquals(first.out(), second.out(), "the mapped cache generates the same text");
        Run without = run("generate", "-m", model, "-p", "Once upon a time", "-n", "8", "--temperature", "0",
                "--weight-cache", "none");
        assertEquals(0, without.code(), without.err());
        assertEquals(first.out(), without.out());
    }

    @Test
    void tokenizePrintsIdsAsJson() {
        Run r = run("tokenize", "-m", STORIES, "-p", "Once upon a time");
        assertEquals(0, r.code(), r.err());
        assertEquals("[1, 403, 407, 261, 378]", r.out().trim()); // llama.cpp's prompt_ids for this prompt
        assertEquals("[403, 407, 261, 378]", run("tokenize", "-m", STORIES, "-p", "Once upon a time", "--no-bos")
                .out().trim());
    }

    @Test
    void tokenizeShowsPiecesAndParsesSpecialTokensOnRequest() {
        Run shown = run("tokenize", "-m", STORIES, "-p", "Once upon a time", "--show");
        assertEquals(0, shown.code(), shown.err());
        assertEquals(List.of("       1 -> '<s>'", "     403 -> ' Once'", "     407 -> ' upon'", "     261 -> ' a'",
                "     378 -> ' time'"), shown.out().lines().toList());
        String tiny = MODELS.resolve("tinystories-656k-q8_0.gguf").toString();
        Run plain = run("tokenize", "-m", tiny, "-p", "<|end_story|>", "--no-bos");
        Run parsed = run("tokenize", "-m", tiny, "-p", "<|end_story|>", "--no-bos", "--parse-special");
        assertEquals("[2]", parsed.out().trim(), parsed.err());
        assertTrue(plain.out().split(",").length > 3, plain.out());
    }

    @Test
    void tokenizeReadsAnEncoderJsonAndVocabBpeFolder() throws Exception {
        Path shared = Path.of(System.getProperty("jllm.shared", "../../shared"));
        Path dir = shared.resolve("models/llama3-tokenizer");
        Path ref = shared.resolve("reference/tokenizer/llama3.json");
        assumeTrue(Files.isDirectory(dir) && Files.isRegularFile(ref), "skipped: ../shared has no llama3-tokenizer");
        JsonNode c = new ObjectMapper().readTree(ref.toFile()).get("cases").get(0);
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, c.get("text").asText(), StandardCharsets.UTF_8);
        Run r = run("tokenize", "-m", dir.toString(), "-f", text.toString(), "--no-bos");
        assertEquals(0, r.code(), r.err());
        List<Integer> expected = new java.util.ArrayList<>();
        c.get("ids").forEach(id -> expected.add(id.asInt()));
        assertEquals(expected.toString(), r.out().trim());
    }

    @Test
    void benchReportsThroughputAndRoofline() throws Exception {
        Run r = run("bench", "-m", STORIES, "-p", "4", "-n", "4", "-r", "2", "-t", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("pp_tps").asDouble() > 0 && j.get("tg_tps").asDouble() > 0, r.out());
        assertTrue(j.get("pp_first_tps").asDouble() > 0 && j.get("tg_first_tps").asDouble() > 0, r.out());
        int warmUps = j.get("warm_up_rounds").asInt();
        assertTrue(warmUps >= 2 && warmUps <= 30,
                "warm-up rounds until the prompt speed settles and generation allocates nothing, at most 30: " + r.out());
        assertTrue(j.get("tg_heap_bytes_per_token").asDouble(-1) >= 0, "heap allocated per generated token: " + r.out());
        assertEquals(Files.size(Path.of(STORIES)) > j.get("weight_bytes").asLong(), true, r.out());
        assertTrue(j.get("bytes_per_token").asLong() > 0 && j.get("read_bandwidth").asDouble() > 1e8, r.out());
        double lowest = j.get("read_bandwidth_lowest").asDouble();
        assertTrue(lowest > 1e8 && lowest <= j.get("read_bandwidth").asDouble(),
                "the best of the measurements between repetitions, and the lowest: " + r.out());
        assertEquals(j.get("tg_tps").asDouble() * j.get("bytes_per_token").asDouble()
                / j.get("read_bandwidth").asDouble(), j.get("roofline_fraction").asDouble(), 1e-3, r.out());
        double paired = j.get("roofline_fraction_paired").asDouble();
        assertTrue(paired > 0 && paired < Double.POSITIVE_INFINITY,
                "each repetition's tg against the read after it, median: " + r.out());
        for (String[] bad : new String[][] {{"-r", "0"}, {"-p", "-3"}, {"-n", "-1"}}) {
            Run b = run("bench", "-m", STORIES, bad[0], bad[1], "-t", "1");
            assertEquals(1, b.code(), b.err());
            assertTrue(b.err().startsWith("jllm: bench takes") && b.err().contains(bad[0] + " " + bad[1]), b.err());
        }
    }

    @Test
    void synthWritesARunnableModelOfTheShape() throws Exception {
        Path vocab = Path.of(System.getProperty("jllm.shared", "../../shared")).resolve("models/vocab");
        assumeTrue(Files.isRegularFile(vocab.resolve("ggml-vocab-llama-spm.gguf")), "skipped: no ../shared vocab");
        Path out = tmp.resolve("s110.gguf");
        Run r = run("synth", "--shape", "stories110m", "--type", "Q4_0", "-o", out.toString(), "--vocab-dir",
                vocab.toString());
        assertEquals(0, r.code(), r.err());
        try (org.jllm.Model m = org.jllm.Model.load(out)) {
            assertEquals(768, m.config().embeddingLength());
            assertEquals(12, m.config().blockCount());
            assertEquals(32000, m.tokenizer().vocabulary().size());
            try (org.jllm.Session s = m.newSession(8)) {
                assertEquals(32000, s.evaluate(1).length);
            }
        }
        assertEquals(1, run("synth", "--shape", "gpt-5", "-o", out.toString()).code());
    }

    @Test
    void greedyGenerateWithIdsIsDeterministic() {
        Run a = run("generate", "-m", STORIES, "--prompt-ids", "1,403,407,261,378", "-n", "8", "--temperature", "0",
                "--ids");
        assertEquals(0, a.code(), a.err());
        // llama.cpp's greedy continuation of this prompt (reference/stories260K-f32/greedy.json, case 1).
        assertEquals("[432, 383, 286, 261, 376, 298, 315, 421]", a.out().trim());
    }

    @Test
    void logitsWritesPositionsTimesVocabularyFloats() throws Exception {
        Path out = tmp.resolve("logits.f32");
        Run r = run("logits", "-m", STORIES, "--prompt-ids", "1,403,407", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(3L * 512 * 4, Files.size(out));
    }

    @Test
    void inspectListsMetadataAndTensors() {
        Run r = run("inspect", "-m", STORIES);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("general.architecture"), r.out());
        assertTrue(r.out().contains("token_embd.weight"), r.out());
    }

    @Test
    void errorsAreOneLineWithoutStackTrace() throws Exception {
        Path bad = tmp.resolve("bad.gguf");
        Files.writeString(bad, "not a model");
        Run r = run("generate", "-m", bad.toString(), "-p", "x");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("jllm: " + bad + ": bad magic"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        Run missing = run("generate", "-m", tmp.resolve("none.gguf").toString(), "-p", "x");
        assertTrue(missing.err().startsWith("jllm: no such file"), missing.err());
        Run verbose = run("generate", "-m", bad.toString(), "-p", "x", "--verbose");
        assertTrue(verbose.err().contains("\tat "), "stack trace with --verbose");
    }
}
