package org.jllm.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufTokenizers;
import org.jllm.tokenizer.TokenType;
import org.jllm.tokenizer.Tokenizer;
import org.jllm.tokenizer.hf.HfTokenizers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tokenize", description = "Print the token ids of a text as one JSON array.")
final class TokenizeCommand extends Common implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizeCommand.class);

    @Option(names = {"-m", "--model"}, description = "GGUF model or vocabulary file, a tokenizer.json, a Hugging Face "
            + "folder, or a folder with encoder.json + vocab.bpe (default: models/" + DEFAULT_MODEL + ").")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = {"-p", "--prompt"}, description = "Text to tokenize.")
        String text;

        @Option(names = {"-f", "--file"}, description = "File whose UTF-8 bytes are the text.")
        Path file;
    }

    @Option(names = "--no-bos", description = "Do not add the BOS token (nor any other special token the "
            + "tokenizer adds).")
    boolean noBos;

    @Option(names = "--parse-special", description = "Turn special-token text (e.g. <|im_start|>) in the input "
            + "into those tokens (off by default: it is tokenized as plain text).")
    boolean parseSpecial;

    @Option(names = "--show", description = "Print one line per token: id and the piece it stands for.")
    boolean show;

    @Option(names = "--pre", description = "Pre-tokenizer of an encoder.json + vocab.bpe pair, as GGUF's "
            + "tokenizer.ggml.pre names it (gpt-2, llama-bpe, qwen2, ...). Default: guessed from the vocabulary size "
            + "(50257 gpt-2, 128000 llama-bpe, 151643 qwen2).")
    String pre;

    @Override
    public Integer call() throws Exception {
        String text = input.text != null ? input.text : Files.readString(input.file, StandardCharsets.UTF_8);
        Tokenizer tok = load(modelOrDefault(model), pre);
        int[] ids = tok.encode(text, !noBos, parseSpecial);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (!show) {
            out.println(json(ids));
            return 0;
        }
        for (int id : ids) {
            TokenType type = tok.vocabulary().type(id);
            String piece = type == TokenType.CONTROL || type == TokenType.UNKNOWN ? tok.vocabulary().token(id)
                    : new String(tok.pieceBytes(id), StandardCharsets.UTF_8);
            out.printf("%8d -> '%s'%n", id, piece);
        }
        return 0;
    }

    /** A GGUF file (by its magic), else Hugging Face files. */
    static Tokenizer load(Path path, String pre) throws Exception {
        if (Files.isRegularFile(path) && isGguf(path)) {
            try (GgufFile f = GgufFile.open(path)) {
                return GgufTokenizers.load(f);
            }
        }
        return HfTokenizers.load(path, pre != null ? pre : guessPre(path));
    }

    private static boolean isGguf(Path path) throws IOException {
        try (var in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        }
    }

    /** A GPT-2 style pair does not name its pre-tokenizer; the sizes of the known vocabularies do. */
    private static String guessPre(Path dir) throws IOException {
        Path encoder = Files.isRegularFile(dir.resolve("encoder.json")) ? dir.resolve("encoder.json")
                : dir.resolve("vocab.json");
        if (!Files.isDirectory(dir) || !Files.isRegularFile(encoder)) {
            return null;
        }
        int size = new com.fasterxml.jackson.databind.ObjectMapper().readTree(encoder.toFile()).size();
        String guess = switch (size) {
            case 50257 -> "gpt-2";
            case 128000 -> "llama-bpe";
            case 151643 -> "qwen2";
            default -> throw new IllegalArgumentException(encoder + " has " + size + " tokens, not a vocabulary "
                    + "whose pre-tokenizer is known: name it with --pre (e.g. gpt-2, llama-bpe, qwen2)");
        };
        LOG.info("{}: {} tokens, using pre-tokenizer '{}' (override with --pre)", encoder, size, guess);
        return guess;
    }
}
