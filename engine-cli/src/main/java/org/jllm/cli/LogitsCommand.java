package org.jllm.cli;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.model.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "logits", description = "Write the logits of every position (teacher forcing) as little-endian "
        + "float32, row-major [positions][vocabulary].")
final class LogitsCommand extends Common implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "GGUF model file (default: models/" + DEFAULT_MODEL + ").")
    Path model;

    @Option(names = "--prompt-ids", required = true, description = "Comma-separated token ids.")
    String ids;

    @Option(names = "--kv-cache", defaultValue = "F32",
            description = "K/V cache type: f32 or f16 (half the memory; llama.cpp's default) (default: f32).")
    org.jllm.KvCacheType kvCache;

    @Option(names = "--token-by-token", description = "Evaluate the ids one at a time (the decode path: quantized"
            + " weights on their integer matrix-vector kernels) instead of as one batch.")
    boolean tokenByToken;

    @Option(names = {"-o", "--output"}, required = true, description = "Output file.")
    Path output;

    @Override
    public Integer call() throws Exception {
        int[] tokens = parseIds(ids);
        if (tokens.length == 0) {
            throw new IllegalArgumentException("--prompt-ids is empty");
        }
        try (Model m = loadModel(modelOrDefault(model));
             Session session = m.newSession(tokens.length, kvCache);
             OutputStream out = new BufferedOutputStream(Files.newOutputStream(output))) {
            ByteBuffer row = ByteBuffer.allocate(m.config().vocabularySize() * 4).order(ByteOrder.LITTLE_ENDIAN);
            // One batch, as llama.cpp's teacher-forced runs do (and as fast as prompts go).
            java.io.IOException[] failure = new java.io.IOException[1];
            LanguageModel.PositionLogits write = (index, logits) -> {
                row.clear();
                row.asFloatBuffer().put(logits);
                try {
                    out.write(row.array());
                } catch (java.io.IOException e) {
                    failure[0] = e;
                }
            };
            if (tokenByToken) {
                for (int i = 0; i < tokens.length; i++) {
                    write.accept(i, session.evaluate(tokens[i]));
                }
            } else {
                session.evaluate(tokens, write);
            }
            if (failure[0] != null) {
                throw failure[0];
            }
        }
        System.err.printf("jllm: wrote %d positions of logits to %s%n", tokens.length, output);
        return 0;
    }
}
