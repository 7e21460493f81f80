package org.jllm.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jllm.gguf.GgufQuantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "quantize", description = "Write a GGUF model with its weight matrices quantized as llama-quantize "
        + "does (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16, BF16: identical tensor bytes; K-quants: its error).")
final class QuantizeCommand extends Common implements Callable<Integer> {
    @Parameters(index = "0", description = "Source GGUF model.")
    Path in;

    @Parameters(index = "1", description = "GGUF file to write.")
    Path out;

    @Parameters(index = "2", description = "Target: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q6_K, Q4_K_M (or Q4_K), F16, BF16 "
            + "or F32.")
    String type;

    @Option(names = "--pure", description = "Every weight matrix in the target's type, output and embedding "
            + "included (llama-quantize's --pure); without it llama-quantize's recipe picks some types.")
    boolean pure;

    @Override
    public Integer call() throws Exception {
        GgufQuantizer.quantize(in, out, GgufQuantizer.Target.parse(type), pure);
        System.out.println("wrote " + out);
        return 0;
    }
}
