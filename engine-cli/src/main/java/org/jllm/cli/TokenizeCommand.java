package org.jllm.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufTokenizers;
import org.jllm.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tokenize", description = "Print the token ids of a text as one JSON array.")
final class TokenizeCommand extends Common implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "GGUF model or vocabulary file (default: models/" + DEFAULT_MODEL + ").")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = {"-p", "--prompt"}, description = "Text to tokenize.")
        String text;

        @Option(names = {"-f", "--file"}, description = "File whose UTF-8 bytes are the text.")
        Path file;
    }

    @Option(names = "--no-bos", description = "Do not add the BOS token.")
    boolean noBos;

    @Override
    public Integer call() throws Exception {
        String text = input.text != null ? input.text : Files.readString(input.file, StandardCharsets.UTF_8);
        Tokenizer tok;
        try (GgufFile f = GgufFile.open(modelOrDefault(model))) {
            tok = GgufTokenizers.load(f);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println(json(tok.encode(text, !noBos)));
        return 0;
    }
}
