package org.jllm.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jllm.bench.SyntheticModels;
import org.jllm.gguf.GgufQuantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "synth", description = "Write a model of a real shape with random weights and a real vocabulary "
        + "(for benchmarks; valid for llama.cpp too).")
final class SynthCommand extends Common implements Callable<Integer> {
    @Option(names = "--shape", required = true, description = "llama-3.2-1b, qwen2.5-0.5b, smollm2-135m or "
            + "stories110m.")
    String shape;

    @Option(names = "--type", defaultValue = "Q8_0", description = "Quantization as llama-quantize names it: Q8_0, Q4_0, "
            + "Q4_1, Q5_0, Q5_1, Q6_K, Q4_K_M, F16, BF16, F32, with its recipe (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = {"-o", "--output"}, required = true, description = "GGUF file to write.")
    Path out;

    @Option(names = "--vocab-dir", description = "Folder of llama.cpp vocabulary GGUFs (default: ../shared/models/vocab "
            + "next to the jllm folder).")
    Path vocabDir;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        SyntheticModels.Shape s = SyntheticModels.SHAPES.get(shape);
        if (s == null) {
            throw new IllegalArgumentException("unknown shape '" + shape + "': one of " + SyntheticModels.shapeNames());
        }
        Path vocab = vocabDir != null ? vocabDir : defaultVocabDir();
        SyntheticModels.write(s, GgufQuantizer.Target.parse(type), vocab, out, seed);
        System.out.println("wrote " + out);
        return 0;
    }

    private static Path defaultVocabDir() {
        String home = System.getProperty("jllm.home");
        Path base = home != null ? Path.of(home) : Path.of(".");
        return base.toAbsolutePath().normalize().resolveSibling("shared").resolve("models/vocab");
    }
}
