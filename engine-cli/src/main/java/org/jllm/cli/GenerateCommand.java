package org.jllm.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jllm.GenerationResult;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.sampling.GenerationParams;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", description = "Continue a prompt and stream the text to stdout.")
final class GenerateCommand extends Common implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "GGUF model file (default: models/" + DEFAULT_MODEL + ").")
    Path model;

    @ArgGroup(exclusive = true)
    Prompt prompt = new Prompt();

    static final class Prompt {
        @Option(names = {"-p", "--prompt"}, description = "Prompt text (BOS is added when the model asks for it).")
        String text;

        @Option(names = "--prompt-ids", description = "Prompt as comma-separated token ids, used as given.")
        String ids;
    }

    @Option(names = {"-n", "--n-predict"}, defaultValue = "128", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 for greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 to disable (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "1 to disable (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", description = "Sampling seed (default: random).")
    Long seed;

    @Option(names = "--kv-cache", defaultValue = "F32",
            description = "K/V cache type: f32 or f16 (half the memory; llama.cpp's default) (default: f32).")
    org.jllm.KvCacheType kvCache;

    @Option(names = "--ctx", description = "Context length (default: the model's).")
    Integer ctx;

    @Option(names = "--ids", description = "Print the generated token ids as one JSON array instead of text.")
    boolean printIds;

    @Option(names = "--no-eos-stop", description = "Keep generating past the end-of-sequence token.")
    boolean noEosStop;

    @Override
    public Integer call() throws Exception {
        GenerationParams params = new GenerationParams(n, temperature, topK, topP,
                seed != null ? seed : System.nanoTime(), !noEosStop);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Model m = loadModel(modelOrDefault(model));
             Session session = m.newSession(ctx != null ? ctx : m.config().contextLength(), kvCache)) {
            int[] promptIds = prompt.ids != null ? parseIds(prompt.ids)
                    : m.tokenizer().encode(prompt.text != null ? prompt.text : "", true);
            if (!printIds && prompt.text != null) {
                out.print(prompt.text);
            }
            GenerationResult r = session.generate(promptIds, params, (id, text) -> {
                if (!printIds) {
                    out.print(text);
                }
                return true;
            });
            out.println(printIds ? json(r.generatedIds()) : "");
            System.err.printf("jllm: %d prompt tokens, %d generated, %.1f tokens/s%n", r.promptTokens(),
                    r.generatedIds().length, r.tokensPerSecond());
        }
        return 0;
    }
}
