package org.jllm.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jllm.Model;
import org.jllm.eval.Perplexity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "perplexity", description = "Perplexity of a text, computed as llama-perplexity does.")
final class PerplexityCommand extends Common implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "GGUF model file (default: models/" + DEFAULT_MODEL + ").")
    Path model;

    @Option(names = {"-f", "--file"}, required = true, description = "Text file (one trailing newline is dropped).")
    Path file;

    @Option(names = {"-c", "--ctx"}, defaultValue = "512", description = "Chunk length in tokens (default: ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = {"-b", "--batch"}, defaultValue = "512", description = "Batch size; accepted for llama-perplexity compatibility (tokens are read one by one).")
    int batch;

    @Override
    public Integer call() throws Exception {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        try (Model m = loadModel(modelOrDefault(model))) {
            int[] tokens = m.tokenizer().encode(text, true);
            Perplexity.Result r = Perplexity.compute(m, tokens, ctx);
            StringBuilder running = new StringBuilder();
            for (int i = 0; i < r.runningPerplexity().length; i++) {
                running.append(String.format("[%d]%.4f,", i + 1, r.runningPerplexity()[i]));
            }
            System.err.println(running);
            System.out.printf("PPL = %.4f +/- %.5f%n", r.perplexity(), r.stderr());
        }
        return 0;
    }
}
