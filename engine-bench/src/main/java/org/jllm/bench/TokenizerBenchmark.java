package org.jllm.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufTokenizers;
import org.jllm.tokenizer.Tokenizer;
import org.jllm.tokenizer.hf.HfTokenizers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread encoding time of War and Peace ({@code ../shared/models/text/war-and-peace.txt}, 3.2 MB) with the
 * Llama 3 tokenizer (its encoder.json + vocab.bpe), GPT-2's (its llama.cpp vocab GGUF) and a SentencePiece-style one
 * (llama-spm). Characters per second = the text's {@value #CHARS_NOTE} / the time per operation. Run from the
 * repository root, or pass {@code -Djllm.shared=...}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class TokenizerBenchmark {
    static final String CHARS_NOTE = "length in chars (printed at setup)";

    @Param({"llama3", "gpt2", "llama-spm"})
    public String tokenizer;

    private Tokenizer tok;
    private String text;

    @Setup
    public void setup() throws Exception {
        Path shared = Path.of(System.getProperty("jllm.shared", "../shared"));
        text = Files.readString(shared.resolve("models/text/war-and-peace.txt"), StandardCharsets.UTF_8);
        tok = switch (tokenizer) {
            case "llama3" -> HfTokenizers.load(shared.resolve("models/llama3-tokenizer"), "llama-bpe");
            case "gpt2" -> gguf(shared.resolve("models/vocab/ggml-vocab-gpt-2.gguf"));
            default -> gguf(shared.resolve("models/vocab/ggml-vocab-llama-spm.gguf"));
        };
        System.out.printf("%n%s: %d chars, %d tokens%n", tokenizer, text.length(), tok.encode(text, false).length);
    }

    private static Tokenizer gguf(Path p) throws Exception {
        try (GgufFile f = GgufFile.open(p)) {
            return GgufTokenizers.load(f);
        }
    }

    @Benchmark
    public int[] encode() {
        return tok.encode(text, false);
    }
}
